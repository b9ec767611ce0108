# An smddp 1.x job: the deprecated API is the right one there (no finding on the script).
from sagemaker.pytorch.estimator import PyTorch

PyTorch(
    entry_point="train_legacy.py",
    source_dir="../code",
    framework_version="1.8.1",
    py_version="py36",
    instance_type="ml.p3.16xlarge",
    instance_count=2,
    distribution={"smdistributed": {"dataparallel": {"enabled": True}}},
)
