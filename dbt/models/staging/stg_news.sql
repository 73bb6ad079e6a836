{#-
  News documents, one row per distinct article: a cleaned text, for a ticker, on a publication day.

  Exact duplicate texts about the same ticker on the same day (same text_clean, ticker and
  published_at date, NULLs alike; whatever file or line they came from) collapse into the first
  delivered row; duplicate_count says how many raw rows it stands for. The same words about two
  tickers or on two days ("Trading halted pending announcement") are two articles, both scored.
  A copy without a ticker (a feed that does not name one) is the same article as the copies of
  that text and day that do, when they all name one ticker: it collapses into them (counted in
  their duplicate_count), and the row kept is the first delivered copy that names it. When the
  copies name two or more tickers, the one without stays an article of its own: which it is about
  is unknown. Corpora without tickers or dates (Financial PhraseBank) collapse by text alone. When
  the copies carry different sentiment labels the label is NULL and label_conflict is true: a label
  the sources disagree on is not a label. Rows quarantined by a quality check on raw_news are left
  out, and rows without text never reach staging (raw_news_values quarantines them, rule
  text_clean_not_blank).
-#}
with kept as (
    select r.*
    from {{ source('raw', 'news') }} r
    anti join quality.quarantine q
        on q.file_sha256 = r._file_sha256 and q.line = r._source_line
        -- not the entries of checks on staging itself: they keep their rows out of the marts, and
        -- staging keeps those rows so that each run's check sees (and quarantines) them again
        and not starts_with(q.asset, 'stg_')
    where r.text_clean is not null and trim(r.text_clean) <> ''
),

story as (
    select
        *,
        -- the ticker a copy without one is about: the one ticker the other copies of its text and day name
        coalesce(ticker, case when count(distinct ticker) over same_words = 1
                              then max(ticker) over same_words end) as _ticker
    from kept
    window same_words as (partition by text_clean, cast(published_at as date))
),

ranked as (
    select
        *,
        count(*) over article as duplicate_count,
        count(distinct label) over article as _labels,
        max(label) over article as _label,
        row_number() over (article order by ticker is null, _ingested_at, _source_file, _source_line) as _copy
    from story
    window article as (partition by text_clean, _ticker, cast(published_at as date))
)

select
    * exclude (label, _labels, _label, _copy, _ticker),
    case when _labels = 1 then _label end as label,
    _labels > 1 as label_conflict
from ranked
where _copy = 1
