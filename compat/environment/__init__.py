"""The environment ``doctor`` inspects: probing it, comparing it with the matrix.

The package is not named ``compat.doctor`` because ``compat.doctor`` is the
library function (:func:`compat.environment.doctor.doctor`); a subpackage of
the same name would replace it on ``compat`` when first imported.
"""
