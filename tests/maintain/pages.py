# ruff: noqa: E501 - Markdown table rows are long lines, as on the real page
"""Synthetic revisions of AWS's support page in its current form, for the tests.

They are written for the tests (not copied from AWS) and cover every cell shape
the parser must read: backticked URIs with the region outside the backticks,
``<br>`` lists, "Not available" and "Currently not available" cells, an SMP
image column, a TensorFlow table with several versions in a cell and no URIs.
"""

from __future__ import annotations

CURRENT_PAGE = """\
# Supported frameworks, AWS Regions, and instances types

## Supported frameworks

### PyTorch

| PyTorch version | SMDDP library version | SageMaker AI Framework Container images pre-installed with SMDDP | SMP Docker images pre-installed with SMDDP | URL of the binary file\\*\\* |
| --- | --- | --- | --- | --- |
| v2.3.1 | smdistributed-dataparallel==v2.5.0 | Not available | `658645717510.dkr.ecr.`*<us-west-2>*`.amazonaws.com/smdistributed-modelparallel:2.4.1-gpu-py311-cu121` | `https://smdataparallel.s3.amazonaws.com/binary/pytorch/2.4.1/cu121/2024-10-09/smdistributed_dataparallel-2.5.0-cp311-cp311-linux_x86_64.whl` |
| v2.4.0 | smdistributed-dataparallel==v2.5.0 | `763104351884.dkr.ecr.`<region>`.amazonaws.com/pytorch-training:2.4.0-gpu-py311-cu124-ubuntu22.04-sagemaker` | Currently not available | `https://smdataparallel.s3.amazonaws.com/binary/pytorch/2.4.0/cu124/2024-11-04/smdistributed_dataparallel-2.5.0-cp311-cp311-linux_x86_64.whl` |
| v2.3.0 | smdistributed-dataparallel==v2.3.0 | `763104351884.dkr.ecr.`<region>`.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker` | Currently not available | `https://smdataparallel.s3.amazonaws.com/binary/pytorch/2.3.0/cu121/2024-05-23/smdistributed_dataparallel-2.3.0-cp311-cp311-linux_x86_64.whl` |
| v2.2.1 | smdistributed-dataparallel==v2.2.0 | `763104351884.dkr.ecr.`<region>`.amazonaws.com/pytorch-training:2.2.1-gpu-py310-cu121-ubuntu20.04-sagemaker` | `658645717510.dkr.ecr.`<region>`.amazonaws.com/smdistributed-modelparallel:2.2.1-gpu-py310-cu121` | `https://smdataparallel.s3.amazonaws.com/binary/pytorch/2.2.1/cu121/2024-03-04/smdistributed_dataparallel-2.2.0-cp310-cp310-linux_x86_64.whl` |
| v2.0.1 | smdistributed-dataparallel==v2.0.1 | `763104351884.dkr.ecr.`<region>`.amazonaws.com/pytorch-training:2.0.1-gpu-py310-cu118-ubuntu20.04-sagemaker` | Not available | `https://smdataparallel.s3.amazonaws.com/binary/pytorch/2.0.1/cu118/2023-12-07/smdistributed_dataparallel-2.0.2-cp310-cp310-linux_x86_64.whl` |

### PyTorch Lightning

| PyTorch Lightning version | PyTorch version | SMDDP library version | SageMaker AI Framework Container images pre-installed with SMDDP | URL of the binary file\\*\\* |
| --- | --- | --- | --- | --- |
| 2.2.6<br>2.2.5 | 2.3.0 | smdistributed-dataparallel==v2.3.0 | `763104351884.dkr.ecr.`<region>`.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker` | `https://smdataparallel.s3.amazonaws.com/binary/pytorch/2.3.0/cu121/2024-05-23/smdistributed_dataparallel-2.3.0-cp311-cp311-linux_x86_64.whl` |

### TensorFlow

| TensorFlow version | SMDDP library version |
| --- | --- |
| 2.11.0<br>2.10.1<br>2.9.1 | smdistributed-dataparallel==v1.4.1 |
| 2.10.0 | smdistributed-dataparallel==v1.4.1 |

## Supported instance types

| Instance type |
| --- |
| ml.p3dn.24xlarge |
| ml.p4d.24xlarge |
| ml.p4de.24xlarge |
| ml.p5.48xlarge |

## Quotas

| Quota name | Default |
| --- | --- |
| ml.p4d.24xlarge for training job usage | 0 |
"""
