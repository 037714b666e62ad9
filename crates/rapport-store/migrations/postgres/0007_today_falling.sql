-- The falls among the scores already recorded (10 points below the best of the 30 days
-- before: the core's rule when this was written), in one pass over the history.
INSERT INTO health_falls (workspace_id, relationship_id, day)
SELECT workspace_id, relationship_id, day FROM (
    SELECT workspace_id, relationship_id, day, score,
           MAX(score) OVER (PARTITION BY relationship_id ORDER BY day::date - DATE '2000-01-01'
                            RANGE BETWEEN 30 PRECEDING AND 1 PRECEDING) AS peak
    FROM health_history
) h
WHERE score IS NOT NULL AND peak - score >= 10;
