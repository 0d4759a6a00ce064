"""Start moto's server on a free loopback port, with Ephemera's gap fixes applied.

Usage: python3 launcher.py [--host 127.0.0.1] [--parent-pid PID]
Prints one line `EPHEMERA_EMULATOR_PORT=<port>` once it accepts connections, then
serves until SIGTERM/SIGINT. Binding port 0 and reporting the real port avoids the
race of choosing a free port in one process and binding it in another.

The fixes live in `patches.py` beside this file; each one names the moto 5.2.1 gap
it fills (docs/testing.md lists them) and has a test in
test/integration/harness/moto.test.ts. Product code never knows about them.
"""

import argparse
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


def watch_parent(parent: int, stop) -> None:
    """Stop when the process that started us dies (a killed test worker can't send SIGTERM)."""
    import threading
    import time

    def alive() -> bool:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return os.getppid() != 1 or parent == 1

    def poll() -> None:
        while alive():
            time.sleep(1)
        stop()

    threading.Thread(target=poll, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--parent-pid", type=int, default=os.getppid(), help="stop when this process exits")
    args = parser.parse_args()

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    import patches

    patches.apply_all()

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, 0, app, threaded=True)
    os.environ["MOTO_PORT"] = str(server.server_port)

    def stop(*_: object) -> None:
        # shutdown() blocks until serve_forever returns, so run it off the signal frame.
        import threading

        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watch_parent(args.parent_pid, stop)

    print(f"EPHEMERA_EMULATOR_PORT={server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
