-- Progress of the actions as the partners report it (1 stagnates - 5 ahead of plan): the mean, and as
-- the variant `aandeel` the share of answers of `on_track_from` or more (the plan: 3). `units`: the
-- organisations that answered, what `min_organisations` is compared with.
WITH population AS (
    SELECT
        coalition,
        delivery_id,
        source_row,
        area,
        NULL AS school,
        organisation,
        progress,
        CASE WHEN progress >= :on_track_from THEN 1 ELSE 0 END AS is_on_track
    FROM {{ ref('stg_partner_responses') }}
    WHERE period = :period
)

{{ ratio_per_scope('progress', scopes, dialect, variant=none, units='organisation') }}
UNION ALL
{{ ratio_per_scope('is_on_track', scopes, dialect, variant='aandeel', units='organisation') }}
