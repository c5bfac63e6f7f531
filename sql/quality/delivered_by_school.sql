-- Asset of the suite "volledigheid": which school delivered which required source this period (current rows
-- only); `required` is the configuration's quality.required_sources as (source, fact table) pairs.
{% for source, fact_table in required %}
    SELECT
        '{{ source }}' AS source,
        school,
        COUNT(*) AS n_rows
    FROM {{ fact_table }}
    WHERE coalition = :coalition AND period = :period AND superseded_by IS NULL
    GROUP BY school
    {% if not loop.last %}UNION ALL{% endif %}
{% endfor %}
