from sagemaker.pytorch import PyTorch
PyTorch(framework_version="2.6.0", distribution={"smdistributed": {"dataparallel": {"enabled": True}}})
