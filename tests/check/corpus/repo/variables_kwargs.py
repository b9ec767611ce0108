"""Values in variables, a dict of common arguments passed as **kwargs, an f-string image URI."""

from sagemaker import pytorch as sm_pt

INSTANCE_TYPE = "ml.p3.16xlarge"  # deprecated for smddp 2.x
FRAMEWORK = "2.0.1"
PY = "py310"
ACCOUNT = "763104351884"
REGION = "us-west-2"
TAG = "{}-gpu-{}-cu118-ubuntu20.04-sagemaker".format(FRAMEWORK, PY)
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/pytorch-training:{TAG}"

smddp = {"smdistributed": {"dataparallel": {"enabled": True}}}
common = {
    "instance_type": INSTANCE_TYPE,
    "instance_count": 2,
    "py_version": PY,
    "distribution": smddp,
}

est = sm_pt.PyTorch(
    entry_point="train_ok.py",
    source_dir="code",
    framework_version=FRAMEWORK,
    image_uri=IMAGE,
    **common,
)
