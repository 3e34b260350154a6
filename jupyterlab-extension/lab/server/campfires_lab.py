"""A JupyterLab server for the front end built in ../build, on Debian's jupyterlab_server.

Run: python3 campfires_lab.py [--port=8888] [--ServerApp.root_dir=notebooks] ...
jupyter_server 1.23 lacks /api/me and /api/events/subscribe, which JupyterLab 4 asks
for; small stubs answer them so the browser console stays clean.
"""
import json
import os
import sys

from jupyter_server.base.handlers import APIHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(os.path.dirname(HERE), "build")


class MeHandler(APIHandler):
    """Answers /api/me with an anonymous identity and no extra permissions."""

    @web.authenticated
    def get(self):
        self.finish(
            json.dumps(
                {
                    "identity": {
                        "username": "campfires",
                        "name": "Campfires user",
                        "display_name": "Campfires user",
                        "initials": "CU",
                        "avatar_url": None,
                        "color": None,
                    },
                    "permissions": {},
                }
            )
        )


class EventsSubscribeHandler(websocket.WebSocketHandler):
    """Accepts /api/events/subscribe and sends nothing: the server has no event bus."""

    def check_origin(self, origin):
        return True

    def on_message(self, message):
        pass


class CampfiresLab(LabServerApp):
    """The JupyterLab front end of this repository, served without the jupyterlab package."""

    name = "campfires_lab"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab"
    app_version = "4.6.6"
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(BUILD, "templates")
    app_settings_dir = os.path.join(BUILD, "application_settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.path.join(
        os.environ.get("JUPYTER_CONFIG_DIR", os.path.expanduser("~/.jupyter")), "lab", "user-settings"
    )
    workspaces_dir = os.path.join(
        os.environ.get("JUPYTER_CONFIG_DIR", os.path.expanduser("~/.jupyter")), "lab", "workspaces"
    )

    def initialize_handlers(self):
        self.handlers.append(("/api/me", MeHandler))
        self.handlers.append(("/api/events/subscribe", EventsSubscribeHandler))
        super().initialize_handlers()


def _jupyter_server_extension_points():
    return [{"module": "campfires_lab", "app": CampfiresLab}]


main = launch_new_instance = CampfiresLab.launch_instance

if __name__ == "__main__":
    sys.modules.setdefault("campfires_lab", sys.modules["__main__"])
    main()
