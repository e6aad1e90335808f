-- The seed's Power BI "Visual Report I": weather by condition, with the
-- average precipitation and the median temperature.
SELECT weather_condition,
       count(*) AS records,
       round(avg(precipitation), 3) AS avg_precipitation,
       round(median(temperature), 3) AS median_temperature
FROM weather
GROUP BY weather_condition
ORDER BY weather_condition
