"""torch_distributed on PyTorch 2.6.0 with a script that selects backend="smddp"."""

from sagemaker.pytorch import PyTorch

PyTorch(
    entry_point="train_ok.py",
    source_dir="code",
    framework_version="2.6.0",
    py_version="py312",
    instance_type="ml.p5.48xlarge",
    instance_count=2,
    distribution={"torch_distributed": {"enabled": True}},
)
