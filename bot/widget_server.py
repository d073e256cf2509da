"""Serves the chat widget (bot/widget/) and /crisis-fallback.json on loopback.

The fallback file is generated at start from bot/resources, so the widget can
still show the region's emergency number and helplines when the assistant
itself cannot be reached (it is fetched from the widget's own origin, not from
the bot server). `--server` rewrites the demo page's data-server.

    python -m bot.widget_server --port 8080 --server http://127.0.0.1:5005
"""
import argparse
import html
import json
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Optional, Tuple

from bot.crisis import LOCAL_EMERGENCY, service_line
from bot.paths import PACKAGE_DIR
from bot.resources import default_regions

WIDGET_DIR = PACKAGE_DIR / "widget"
LOOPBACK = "127.0.0.1"
EXIT_PAGE = b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Weather</title></head>" \
            b"<body><h1>Weather</h1><p>Sunny spells.</p></body></html>"


def _emergency_text(region) -> str:
    service = region.first("emergency")
    call = next((c for c in service.contacts if c.how == "call"), None) if service else None
    if call is None:
        return f"In an emergency call {region.emergency_fallback or LOCAL_EMERGENCY}."
    number = re.sub(r"[^0-9+]", "", call.value)
    return f"In an emergency call **[{call.shown}](tel:{number})**."


def crisis_fallback() -> Dict[str, Dict[str, str]]:
    """Per region: the emergency number, the domestic-abuse line and the suicide line
    (or the international directories), as the widget's markdown subset."""
    fallback = {}
    for code, region in default_regions().items():
        lines = [_emergency_text(region)]
        for roles in (("domestic_abuse", "shelter_directory"), ("suicide_crisis", "directory")):
            service = next((region.first(r) for r in roles if region.first(r)), None)
            if service is not None and f"• {service_line(service)}" not in lines:
                lines.append(f"• {service_line(service)}")
        fallback[code] = {"name": region.name, "text": "\n".join(lines)}
    return fallback


class WidgetHandler(SimpleHTTPRequestHandler):
    """Static files from bot/widget/, plus the generated JSON and the demo page."""

    def __init__(self, *args, fallback: bytes, index: bytes, **kwargs):
        self.fallback, self.index = fallback, index
        super().__init__(*args, directory=str(WIDGET_DIR), **kwargs)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/crisis-fallback.json":
            return self._send(self.fallback, "application/json")
        if path in ("/", "/index.html"):
            return self._send(self.index, "text/html; charset=utf-8")
        if path == "/exit.html":  # a local stand-in for the exit site, for offline tests
            return self._send(EXIT_PAGE, "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self):
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, *args):  # quiet: no request log of who asked for what
        pass


def demo_page(rasa_url: str, exit_url: Optional[str] = None) -> bytes:
    page = (WIDGET_DIR / "index.html").read_text()
    page = re.sub(r'data-server="[^"]*"', f'data-server="{html.escape(rasa_url)}"', page)
    if exit_url:
        page = re.sub(r'data-exit-url="[^"]*"', f'data-exit-url="{html.escape(exit_url)}"', page)
    return page.encode()


def start_widget_server(
    port: int = 8080, rasa_url: str = "http://127.0.0.1:5005", exit_url: Optional[str] = None
) -> Tuple[ThreadingHTTPServer, threading.Thread]:
    handler = partial(
        WidgetHandler,
        fallback=json.dumps(crisis_fallback(), ensure_ascii=False, indent=1).encode(),
        index=demo_page(rasa_url.rstrip("/"), exit_url),
    )
    server = ThreadingHTTPServer((LOOPBACK, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.widget_server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--server", default="http://127.0.0.1:5005", help="the Rasa server's base URL")
    parser.add_argument("--exit-url", default=None, help="where Quick exit goes in the demo page")
    args = parser.parse_args(argv)
    server, thread = start_widget_server(args.port, args.server, args.exit_url)
    print(f"Widget demo at http://{LOOPBACK}:{args.port}/ (talking to {args.server}); Ctrl-C stops", flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
