-- Answers to the parents' survey; `feels_safe` is the 1-5 agreement score.
SELECT
    delivery_id,
    source_row,
    period,
    school,
    area,
    feels_safe,
    knows_where_to_complain,
    satisfaction
FROM parent_response
WHERE coalition = :coalition
    AND superseded_by IS NULL
