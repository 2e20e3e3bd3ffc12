// aws-jwt-verify's CognitoJwtVerifier on the bench token file, as one process.
//
// Run by studio-gate-bench (bench/run), pinned to one core:
//   node aws-jwt-verify.cjs <bench/node> <tokens.txt> <pool.json> <block>
// The JWKS is fetched once over loopback and loaded with cacheJwks; then each
// block of <block> tokens is verified with verifySync twice: fresh, then again.
// Prints one JSON line with the timings.
"use strict";

const started = process.hrtime.bigint();
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
  verifier.cacheJwks(await response.json());
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
    }) + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`aws-jwt-verify bench failed: ${error && error.message}\n`);
  process.exit(1);
});
