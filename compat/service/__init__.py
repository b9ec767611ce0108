"""The HTTP service: a thin FastAPI layer over the library, started by ``smddp-compat serve``.

Nothing here is imported by the library or the other CLI commands, so that
they never pay for FastAPI, Starlette or uvicorn.
"""
