-- Every recorded policy version, newest first. The hash breaks ties between
-- versions first served in the same microsecond, so the order is stable.
SELECT hash, version, effective, first_served, manifest, policy_ja, policy_en
FROM policy_versions
ORDER BY first_served DESC, hash DESC
