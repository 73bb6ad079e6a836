{#- Model-ready news documents: one row per distinct article (see stg_news), with lineage; rows a
  check on staging quarantined (stg_news_values: same file and line in quality.quarantine) are left out.
  label_conflict is kept so that training can count the sentences it leaves out for their labels;
  language (raw.news.language: 'en', another language, NULL when the file names none) so that the
  daily indices and training can leave out the articles not in English; published_date_only
  (raw.news) so that the daily indices count a date written without a time on that date in every zone. -#}
select
    doc_id,
    source,
    ticker,
    published_at,
    published_date_only,
    text_clean,
    text_field,
    label,
    label_conflict,
    language,
    _file_sha256
from {{ ref('stg_news') }} s
anti join quality.quarantine q
    on q.file_sha256 = s._file_sha256 and q.line = s._source_line
