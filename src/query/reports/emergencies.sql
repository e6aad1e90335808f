-- The seed's "Visual Report III": emergencies by type and by Active/Resolved.
SELECT type, status, count(*) AS records
FROM emergency
GROUP BY ALL
ORDER BY type, status
