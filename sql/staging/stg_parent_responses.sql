-- Answers to the parents' survey; `feels_safe` is the 1-5 agreement score.
SELECT
    coalition,
    delivery_id,
    source_row,
    period,
    school,
    area,
    feels_safe,
    knows_where_to_complain,
    satisfaction
FROM parent_response
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
