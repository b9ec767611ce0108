"""Values that only exist when the code runs: reported as unknown (info), never guessed."""

import os

import boto3
from sagemaker.pytorch import PyTorch

region = boto3.Session().region_name
instance_type = os.environ.get("INSTANCE_TYPE", "ml.p4d.24xlarge")
if os.environ.get("BIG"):
    count = 4
else:
    count = 2

PyTorch(
    entry_point="train.py",
    framework_version="1.13.1",
    py_version="py39",
    instance_type=instance_type,
    instance_count=count,
    image_uri=f"763104351884.dkr.ecr.{region}.amazonaws.com/pytorch-training:1.13.1-gpu-py39",
    distribution={"smdistributed": {"dataparallel": {"enabled": True}}},
)
