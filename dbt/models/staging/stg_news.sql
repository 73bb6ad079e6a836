{#-
  News documents, one row per distinct cleaned text.

  Exact duplicate texts (same text_clean, whatever file or line they came from) collapse into the
  first delivered row; duplicate_count says how many raw rows it stands for. When the copies carry
  different sentiment labels the label is NULL and label_conflict is true: a label the sources
  disagree on is not a label. Rows quarantined by a quality check on raw_news are left out, and
  rows without text never reach staging (raw_news_values quarantines them, rule text_clean_not_blank).
-#}
with kept as (
    select r.*
    from {{ source('raw', 'news') }} r
    anti join quality.quarantine q
        on q.file_sha256 = r._file_sha256 and q.line = r._source_line
    where r.text_clean is not null and trim(r.text_clean) <> ''
),

ranked as (
    select
        *,
        count(*) over (partition by text_clean) as duplicate_count,
        count(distinct label) over (partition by text_clean) as _labels,
        max(label) over (partition by text_clean) as _label,
        row_number() over (
            partition by text_clean
            order by _ingested_at, _source_file, _source_line
        ) as _copy
    from kept
)

select
    * exclude (label, _labels, _label, _copy),
    case when _labels = 1 then _label end as label,
    _labels > 1 as label_conflict
from ranked
where _copy = 1
