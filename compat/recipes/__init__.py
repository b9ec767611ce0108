"""What to write around a resolved release: a Dockerfile (byoc) and SageMaker SDK arguments."""
