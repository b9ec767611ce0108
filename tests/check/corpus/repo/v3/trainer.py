"""SDK v3: ModelTrainer with a training image, compute and a distributed runner."""

from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, SourceCode
from sagemaker.train.distributed import Torchrun

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"

trainer = ModelTrainer(
    training_image=IMAGE,
    compute=Compute(instance_type="ml.p5.48xlarge", instance_count=2),
    source_code=SourceCode(source_dir="scripts", entry_script="train.py"),
    distributed=Torchrun(),
    base_job_name="v3-smddp",
)
trainer.train()
