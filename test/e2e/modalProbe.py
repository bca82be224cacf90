"""Imports a generated Modal app with the real `modal` package (no token, no network: nothing is deployed or
looked up) and prints, as JSON, what modal recorded for its one function. The function's settings are read where
modal's own App.function hands them to _Function._from_local (modal/app.py, modal 1.6.4), and from the FunctionInfo
modal builds from them (modal/_functions.py _Function._from_local), so modal's parsing (GPU strings, web server
config) is what the test sees."""

import importlib.util
import json
import sys

from modal import _functions

seen = {}
_original = _functions._Function._from_local


def _spy(*args, **kwargs):
    fn = _original(*args, **kwargs)
    webhook = kwargs.get("webhook_config")
    info = fn._function_info
    seen[args[0].function_name] = {
        "gpus": [list(g) for g in info.gpus],
        "min_containers": kwargs.get("min_containers"),
        "max_containers": kwargs.get("max_containers"),
        "scaledown_window": kwargs.get("scaledown_window"),
        "timeout": info.timeout,
        "startup_timeout": info.startup_timeout,
        "secrets": info.secrets,
        "web_server_port": webhook.web_server_port if webhook is not None else None,
        "web_server_startup_timeout": webhook.web_server_startup_timeout if webhook is not None else None,
        "requires_proxy_auth": webhook.requires_proxy_auth if webhook is not None else None,
        "max_concurrent_inputs": info.concurrency_info.max_inputs if info.concurrency_info else None,
    }
    return fn


_functions._Function._from_local = staticmethod(_spy)

spec = importlib.util.spec_from_file_location("generated_modal_app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({"app": module.app.name, "functions": seen}))
