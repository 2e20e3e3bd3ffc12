// aws-jwt-verify's CognitoJwtVerifier on the bench token file, as one process.
//
// Run by studio-gate-bench (bench/run), pinned to one core:
//   node aws-jwt-verify.cjs <bench/node> <tokens.txt> <pool.json> <block>
// The JWKS is fetched once over loopback and loaded with cacheJwks; then each
// block of <block> tokens is verified with verifySync twice: fresh, then again.
// Prints one JSON line with the timings.
"use strict";

const started = process.hrtime.bigint();
const crypto = require("node:crypto");
const { createRequire } = require("node:module");
const { readFileSync } = require("node:fs");
const path = require("node:path");

const [nodeDir, tokensPath, poolPath, blockArg] = process.argv.slice(2);
const fromAnchor = createRequire(path.join(path.resolve(nodeDir), "package.json"));
const { CognitoJwtVerifier } = fromAnchor("aws-jwt-verify");
const version = JSON.parse(
  readFileSync(path.join(nodeDir, "node_modules", "aws-jwt-verify", "package.json"), "utf8"),
).version;

const seconds = (from, to) => Number(to - from) / 1e9;

async function main() {
  const pool = JSON.parse(readFileSync(poolPath, "utf8"));
  const block = Math.max(1, Number(blockArg) || 1000);

  const verifier = CognitoJwtVerifier.create({
    userPoolId: pool.userPoolId,
    tokenUse: "id",
    clientId: pool.clientId,
  });
  const response = await fetch(pool.jwksUrl);
  if (!response.ok) throw new Error(`jwks answered ${response.status}`);
  const jwks = await response.json();
  verifier.cacheJwks(jwks);
  const ready = process.hrtime.bigint();
  const tokens = readFileSync(tokensPath, "utf8").split("\n").filter((line) => line.length > 0);

  const verifyAll = (slice) => {
    let accepted = 0;
    for (const token of slice) {
      try {
        const claims = verifier.verifySync(token);
        if (claims["custom:studio_user_profile"]) accepted += 1;
      } catch {
        // counted as not accepted
      }
    }
    return accepted;
  };

  let fresh = 0n;
  let repeat = 0n;
  let acceptedFresh = 0;
  let acceptedRepeat = 0;
  for (let start = 0; start < tokens.length; start += block) {
    const slice = tokens.slice(start, start + block);
    const t0 = process.hrtime.bigint();
    acceptedFresh += verifyAll(slice);
    const t1 = process.hrtime.bigint();
    acceptedRepeat += verifyAll(slice);
    const t2 = process.hrtime.bigint();
    fresh += t1 - t0;
    repeat += t2 - t1;
  }

  // This runtime's floor: crypto.verify (SHA-256 + RSA) of the first token.
  const [header, payload, signature] = tokens[0].split(".");
  const kid = JSON.parse(Buffer.from(header, "base64url").toString("utf8")).kid;
  const key = crypto.createPublicKey({ key: jwks.keys.find((k) => k.kid === kid), format: "jwk" });
  const signed = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, "base64url");
  const floorRounds = 5000;
  const f0 = process.hrtime.bigint();
  for (let i = 0; i < floorRounds; i += 1) {
    if (!crypto.verify("sha256", signed, key, signatureBytes)) throw new Error("floor check failed");
  }
  const floorSeconds = seconds(f0, process.hrtime.bigint()) / floorRounds;

  process.stdout.write(
    JSON.stringify({
      verifier: "aws-jwt-verify",
      version: `${version} (Node ${process.versions.node})`,
      tokens: tokens.length,
      fresh_seconds: Number(fresh) / 1e9,
      repeat_seconds: Number(repeat) / 1e9,
      accepted_fresh: acceptedFresh,
      accepted_repeat: acceptedRepeat,
      ready_seconds: seconds(started, ready),
      floor_seconds: floorSeconds,
      floor: "crypto.verify",
    }) + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`aws-jwt-verify bench failed: ${error && error.message}\n`);
  process.exit(1);
});
