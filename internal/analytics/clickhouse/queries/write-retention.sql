-- Records a cut-off Retain applies.
INSERT INTO analytics_retention (before)
