"""``--format sagemaker``: SageMaker SDK estimator arguments as JSON.

What the arguments are is decided in :mod:`compat.recipes.sagemaker_sdk`;
this module only prints them.
"""

from __future__ import annotations

from compat.render import Renderer
from compat.render.json import dumps


class SageMakerRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        from compat.recipes.sagemaker_sdk import as_sagemaker_args

        return dumps(as_sagemaker_args(value))
