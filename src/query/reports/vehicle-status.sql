-- The seed's "Visual Report II": vehicle status over time. A vehicle record is
-- 'arrived' when the vehicle stands (speed below 1 km/h: the simulated fleet
-- stops at each destination) and 'moving' otherwise.
SELECT date_trunc('hour', timezone('UTC', timestamp)) AS time_bucket,
       CASE WHEN speed < 1 THEN 'arrived' ELSE 'moving' END AS status,
       count(*) AS records
FROM vehicle
GROUP BY ALL
ORDER BY time_bucket, status
