-- Answers to the children's survey.
SELECT
    coalition,
    delivery_id,
    source_row,
    period,
    response_id,
    school,
    area,
    school_group,
    feels_safe,
    knows_where_to_go,
    enjoyment,
    idea
FROM child_response
WHERE coalition IN (SELECT coalition FROM {{ ref('seed_coalitions') }})
    AND superseded_by IS NULL
