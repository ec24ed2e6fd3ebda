"""Run the fake API server: `python -m fakeapi [--port N] [--token T] [--tls-cert C --tls-key K] [SEED...]`.

Prints `READY <url>` on stdout once it accepts connections, then serves until terminated.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

import yaml

from .server import serve, wait_forever


def main() -> None:
    parser = argparse.ArgumentParser(prog="fakeapi", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", help="bearer token every API request must carry")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("seed", nargs="*", help="YAML files whose objects are stored at start")
    args = parser.parse_args()
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    server, _ = serve(args.host, args.port, args.token, tls)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in args.seed:
        with open(path, encoding="utf-8") as stream:
            for doc in yaml.load_all(stream, Loader=loader):
                if doc:
                    server.state.store.seed(doc)
    scheme = "https" if tls else "http"
    host, port = server.server_address[:2]
    print(f"READY {scheme}://{host}:{port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        wait_forever()
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
