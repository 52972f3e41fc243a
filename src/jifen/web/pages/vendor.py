"""Third-party browser assets, installed by npm (``src/jifen/web/frontend``) and served by Jifen itself:

GET /static/vendor/echarts/echarts.min.js          Apache ECharts
GET /static/vendor/swagger-ui/swagger-ui-bundle.js Swagger UI, for the API docs at /api/docs
GET /static/vendor/swagger-ui/swagger-ui.css

Only the files listed here are served. Without ``npm ci`` they answer 404 and the pages say how to get them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from jifen.errors import NotFound

NPM_COMMAND = "npm ci --prefix src/jifen/web/frontend"
PACKAGES = {
    "echarts": ("echarts/dist", {"echarts.min.js": "text/javascript"}),
    "swagger-ui": ("swagger-ui-dist", {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
                                       "favicon-32x32.png": "image/png"}),
}

router = APIRouter()


def node_modules() -> Path:
    return Path(str(resources.files("jifen.web"))) / "frontend" / "node_modules"


def asset(package: str, name: str) -> Path | None:
    """The installed file of a package, or None when it is not one Jifen serves or npm has not installed it."""
    folder, files = PACKAGES.get(package, ("", {}))
    if name not in files:
        return None
    path = node_modules() / folder / name
    return path if path.is_file() else None


def available(package: str) -> bool:
    return all(asset(package, name) is not None for name in PACKAGES[package][1])


@router.get("/static/vendor/{package}/{name}", include_in_schema=False)
def vendor_file(package: str, name: str) -> FileResponse:
    path = asset(package, name)
    if path is None:
        raise NotFound(f"no vendor file {package}/{name}; install the browser assets with: {NPM_COMMAND}")
    return FileResponse(path, media_type=PACKAGES[package][1][name],
                        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})


@router.get("/api/docs", include_in_schema=False)
def api_docs() -> HTMLResponse:
    """Swagger UI over the OpenAPI document, with its script and style served from here."""
    if not available("swagger-ui"):
        return HTMLResponse(f"<!doctype html><meta charset='utf-8'><title>Jifen 积分 API</title>"
                            f"<p>API 文档需要本地安装的 Swagger UI：<code>{NPM_COMMAND}</code>；"
                            "OpenAPI 文档见 <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a>。</p>")
    return get_swagger_ui_html(openapi_url="/api/v1/openapi.json", title="Jifen 积分 API",
                               swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                               swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
                               # no badge from the public validator: nothing leaves an offline intranet
                               swagger_ui_parameters={"validatorUrl": None})
