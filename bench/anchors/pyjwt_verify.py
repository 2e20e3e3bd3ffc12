"""PyJWT with PyJWKClient on the bench token file, as one process.

Run by studio-gate-bench (bench/run), pinned to one core:
    python pyjwt_verify.py <tokens.txt> <pool.json> <block>
The JWKS is fetched over loopback by PyJWKClient, which caches it; then each
block of <block> tokens is verified twice: fresh, then again. A token is
accepted when its signature, exp, iat, iss and aud hold and token_use is "id",
as a Cognito ID token check needs. Prints one JSON line with the timings.
"""

import base64
import json
import sys
import time

started = time.perf_counter()

import cryptography  # noqa: E402
import jwt  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from jwt import PyJWKClient  # noqa: E402


def main() -> None:
    tokens_path, pool_path, block_arg = sys.argv[1:4]
    with open(pool_path, encoding="utf-8") as file:
        pool = json.load(file)
    block = max(1, int(block_arg))

    client = PyJWKClient(pool["jwksUrl"])
    client.get_jwk_set()
    ready = time.perf_counter()
    with open(tokens_path, encoding="utf-8") as file:
        tokens = [line.strip() for line in file if line.strip()]

    def verify_all(chunk):
        accepted = 0
        for token in chunk:
            try:
                key = client.get_signing_key_from_jwt(token).key
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["RS256"],
                    audience=pool["clientId"],
                    issuer=pool["issuer"],
                    options={"require": ["exp", "iat", "iss", "sub", "aud"]},
                )
                if claims.get("token_use") == "id" and claims.get("custom:studio_user_profile"):
                    accepted += 1
            except jwt.PyJWTError:
                pass
        return accepted

    fresh = repeat = 0.0
    accepted_fresh = accepted_repeat = 0
    for start in range(0, len(tokens), block):
        chunk = tokens[start : start + block]
        t0 = time.perf_counter()
        accepted_fresh += verify_all(chunk)
        t1 = time.perf_counter()
        accepted_repeat += verify_all(chunk)
        t2 = time.perf_counter()
        fresh += t1 - t0
        repeat += t2 - t1

    # This runtime's floor: cryptography's verify (SHA-256 + RSA) of the first token.
    key = client.get_signing_key_from_jwt(tokens[0]).key
    header, payload, signature = tokens[0].split(".")
    signed = f"{header}.{payload}".encode()
    signature_bytes = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    floor_rounds = 5000
    f0 = time.perf_counter()
    for _ in range(floor_rounds):
        key.verify(signature_bytes, signed, padding.PKCS1v15(), hashes.SHA256())
    floor_seconds = (time.perf_counter() - f0) / floor_rounds

    version = f"{jwt.__version__} (cryptography {cryptography.__version__}, Python {sys.version.split()[0]})"
    print(
        json.dumps(
            {
                "verifier": "PyJWT",
                "version": version,
                "tokens": len(tokens),
                "fresh_seconds": fresh,
                "repeat_seconds": repeat,
                "accepted_fresh": accepted_fresh,
                "accepted_repeat": accepted_repeat,
                "ready_seconds": ready - started,
                "floor_seconds": floor_seconds,
                "floor": "cryptography verify",
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
