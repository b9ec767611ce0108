import sagemaker.tensorflow as tf_sm

distribution = {"smdistributed": {"dataparallel": {"enabled": True}}}
TensorFlowEstimator = tf_sm.TensorFlow

ok = tf_sm.TensorFlow(
    entry_point="train_tf.py",
    framework_version="2.11.0",
    py_version="py39",
    instance_type="ml.p4d.24xlarge",
    instance_count=2,
    distribution=distribution,
)
too_new = tf_sm.TensorFlow(
    entry_point="train_tf.py",
    framework_version="2.13.0",
    py_version="py310",
    instance_type="ml.p4d.24xlarge",
    instance_count=2,
    distribution=distribution,
)
