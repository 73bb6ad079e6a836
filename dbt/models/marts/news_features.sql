{#- Model-ready news documents: one row per distinct article (see stg_news), with lineage. -#}
select
    doc_id,
    source,
    ticker,
    published_at,
    text_clean,
    text_field,
    label,
    _file_sha256
from {{ ref('stg_news') }}
