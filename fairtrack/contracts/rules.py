"""Thresholds of the data contract and the reasons for them.

- At least 100 rows per protected group: below that a selection rate's 95 %
  interval is wider than about plus or minus 0.1, as wide as the disparities
  the product tries to detect.
- At least 1,000 rows in all: enough to hold out a test part of a few hundred
  rows and still fit the baseline.
- Under 5 % of rows missing a protected attribute: rows without a group
  cannot be evaluated, and a larger share can bias every group metric.
- A validation share of 20-30 % of the rows left after the test part: enough
  rows to fit post-processing, while the rest still trains the model.
- For k protected attributes with m_1, ..., m_k groups, intersectional
  analysis wants more than 100 x m_1 x ... x m_k rows (100 per cell).
"""

MIN_GROUP_ROWS = 100
MIN_TOTAL_ROWS = 1000
MAX_MISSING_PROTECTED_SHARE = 0.05
VALIDATION_SHARE_RANGE = (0.2, 0.3)
MIN_INTERSECTION_CELL_ROWS = 100

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)

TRACKS = ("comprehensive", "quick", "standard")
# Group-size shortfalls stop only the comprehensive track, unless the
# specification sets fairness.accept_small_groups.
TRACKS_STOPPED_BY_SMALL_GROUPS = ("comprehensive",)
