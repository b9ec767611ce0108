from sagemaker.pytorch import PyTorch
PyTorch(framework_version="1.13.1",
