#!/usr/bin/python3
"""A WebKitGTK window holding nothing but the web view, for WebKitWebDriver.

MiniBrowser's header bar keeps its window at least 447 px wide, so a page in it never sees a
320 px viewport. This shell is the same engine (Debian's WebKitGTK, through its GObject
bindings: python3-gi and gir1.2-webkit2-4.1) without the toolbar, so the window, and with it
the page's viewport, shrinks to any width. It runs with the system's Python (where `gi` is),
not the venv's; WebKitWebDriver starts it with `--automation`.

WebKitWebDriver reads no console, so the shell reports each page's JavaScript errors itself:
a user script (run before the page's own, in web pages only: not in WebKit's PDF viewer) sends
uncaught exceptions, unhandled rejections and console.error to the shell, which appends them to
the file named by OPENECF_WEBKIT_ERRORS.
"""

import os
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

NAME = "openecf-webkit"  # the browserName the tests ask WebKitWebDriver for

context = WebKit2.WebContext.new_ephemeral()  # no profile on disk, nothing kept between runs
context.set_automation_allowed(True)
windows: list[Gtk.Window] = []
ERRORS = os.environ.get("OPENECF_WEBKIT_ERRORS", "")
REPORT_ERRORS = """(() => {
  if (!location.protocol.startsWith("http")) return;  // the browser's own pages: its PDF viewer
  const report = (text) => window.webkit.messageHandlers.openecfError.postMessage(
    `${location.href}: ${text}`);
  addEventListener("error", (event) => report(String(event.error || event.message)));
  addEventListener("unhandledrejection", (event) => report(`unhandled rejection: ${event.reason}`));
  const original = console.error;
  console.error = (...args) => {
    report(`console.error: ${args.map(String).join(" ")}`);
    original.apply(console, args);
  };
})();"""


def reported(_manager: WebKit2.UserContentManager, result: WebKit2.JavascriptResult) -> None:
    with open(ERRORS, "a", encoding="utf-8") as log:
        log.write(result.get_js_value().to_string().replace("\n", " ") + "\n")


contents = WebKit2.UserContentManager()  # shared by every view: new ones and related ones
if ERRORS:
    contents.add_script(
        WebKit2.UserScript.new(
            REPORT_ERRORS,
            WebKit2.UserContentInjectedFrames.ALL_FRAMES,
            WebKit2.UserScriptInjectionTime.START,
            None,
            None,
        )
    )
    contents.connect("script-message-received::openecfError", reported)
    contents.register_script_message_handler("openecfError")


def closed(window: Gtk.Window) -> None:
    windows.remove(window)
    if not windows:
        Gtk.main_quit()


def new_view(related: WebKit2.WebView | None = None) -> WebKit2.WebView:
    """A view in a window of its own; a page's window.open() gets a related one."""
    if related is None:
        view = WebKit2.WebView(
            web_context=context, is_controlled_by_automation=True, user_content_manager=contents
        )
    else:
        view = WebKit2.WebView.new_with_related_view(related)
    window = Gtk.Window()
    window.set_default_size(1280, 900)
    window.add(view)
    windows.append(window)
    window.connect("destroy", closed)
    view.connect("close", lambda _view: window.destroy())
    view.connect("create", lambda parent, _action: new_view(parent))
    view.connect("ready-to-show", lambda _view: window.show_all())
    return view


def shown(view: WebKit2.WebView) -> WebKit2.WebView:
    view.get_toplevel().show_all()
    return view


def automation_started(_context: WebKit2.WebContext, session: WebKit2.AutomationSession) -> None:
    info = WebKit2.ApplicationInfo()
    info.set_name(NAME)
    info.set_version(
        WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version()
    )
    session.set_application_info(info)
    session.connect("create-web-view", lambda _session: shown(new_view()))


if __name__ == "__main__":
    if "--automation" not in sys.argv:
        sys.exit("webkit_shell.py is started by WebKitWebDriver (with --automation)")
    context.connect("automation-started", automation_started)
    Gtk.main()
