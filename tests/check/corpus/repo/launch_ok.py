"""A launcher that is right: PyTorch 1.13.1 with smddp on two ml.p4d.24xlarge."""

import sagemaker
from sagemaker.pytorch import PyTorch

role = sagemaker.get_execution_role()
session = sagemaker.Session()

estimator = PyTorch(
    base_job_name="pt-smddp-ok",
    source_dir="code",
    entry_point="train_ok.py",
    role=role,
    framework_version="1.13.1",
    py_version="py39",
    instance_count=2,
    instance_type="ml.p4d.24xlarge",
    sagemaker_session=session,
    distribution={"smdistributed": {"dataparallel": {"enabled": True}}},
    debugger_hook_config=False,
)
estimator.fit({"train": f"s3://{session.default_bucket()}/data"}, wait=False)
