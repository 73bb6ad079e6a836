{#-
  Loans, one row per (loan_key, snapshot_version).

  A loan's snapshot is its tape's snapshot_date, else the landed file (same definitions as
  risk_assets/lib/quality/duplicates.py). Within one snapshot:
  - exact duplicates (every canonical column equal; the unmapped source_fields aside, so a join's
    fan-out is one loan) collapse into one row, the first kept; duplicate_count says how many raw
    rows it stands for;
  - conflicting duplicates (same loan_key and snapshot, different values) are left out entirely:
    the check raw_loans_unique_per_snapshot quarantines them with rule conflicting_duplicate.
  Rows quarantined by a quality check on raw_loans (same file and line in quality.quarantine) are
  left out too. A loan whose newest snapshot holds a row quarantined at landing or by a check on
  raw_loans, or conflicting copies, is left out entirely: its current state is unknown, and its
  older snapshot would pass for it (a charge-off the newest tape reports would read as open);
  quality.quarantine names that row, and `risk-assets loan` says why the loan is held out.
  Re-deliveries of a loan in later snapshots are numbered snapshot_version 1, 2, ...
  in snapshot order (snapshot_date, then ingest time of the file); undated files come first, since
  they cannot be placed among dated snapshots (raw_loans_outcome_reversed names the loans on which
  one disagrees with a dated snapshot, and those whose settled outcome a later-landed undated file
  reverses).
  Units are those of raw.loans (USD, fractions 0-1, months, years); lineage is the first raw row's.
-#}
with raw_loans as (
    select
        *,
        coalesce(cast(snapshot_date as varchar), _file_sha256) as _snapshot,
        -- unmapped source_fields excluded: rows that differ only there (a join's fan-out) are one loan
        md5(to_json(row(*columns(* exclude (_source_file, _source_line, _file_sha256, _ingested_at, _run_id,
                                            source_fields))))) as _row_hash
    from {{ source('raw', 'loans') }}
),

kept as (
    select r.*
    from raw_loans r
    anti join quality.quarantine q
        on q.file_sha256 = r._file_sha256 and q.line = r._source_line
        -- not the entries of checks on staging itself: they keep their rows out of the marts, and
        -- staging keeps those rows so that each run's check sees (and quarantines) them again
        and not starts_with(q.asset, 'stg_')
),

conflicting as (
    select loan_key, _snapshot
    from kept
    group by loan_key, _snapshot
    having count(distinct _row_hash) > 1
),

set_aside_at_landing as (
    -- rows quarantined as their file landed never reach raw.loans: placed in their file's snapshot
    select q.record_key as loan_key, f.snapshot_date, f._ingested_at,
           coalesce(cast(f.snapshot_date as varchar), q.file_sha256) as _snapshot,
           q.file_sha256 as _file_sha256, q.line as _source_line
    from quality.quarantine q
    join (
        select _file_sha256, max(snapshot_date) as snapshot_date, min(_ingested_at) as _ingested_at
        from raw_loans group by _file_sha256
    ) f on f._file_sha256 = q.file_sha256
    anti join raw_loans r on r._file_sha256 = q.file_sha256 and r._source_line = q.line
    where q.record_key is not null
),

landed as (
    select loan_key, snapshot_date, _ingested_at, _snapshot, _file_sha256, _source_line from raw_loans
    union all
    select loan_key, snapshot_date, _ingested_at, _snapshot, _file_sha256, _source_line from set_aside_at_landing
),

newest as (
    -- each loan's newest snapshot among all its landed rows, quarantined or not (snapshot order as below)
    select loan_key, _snapshot
    from landed
    qualify row_number() over (
        partition by loan_key order by snapshot_date desc nulls last, _ingested_at desc
    ) = 1
),

held as (
    -- loans whose newest snapshot has a quarantined row (not a staging check's: see kept) or conflicting copies
    select n.loan_key
    from newest n
    join landed l on l.loan_key = n.loan_key and l._snapshot = n._snapshot
    semi join quality.quarantine q
        on q.file_sha256 = l._file_sha256 and q.line = l._source_line and not starts_with(q.asset, 'stg_')
    union
    select loan_key from newest semi join conflicting using (loan_key, _snapshot)
),

collapsed as (
    select
        k.*,
        count(*) over (partition by k.loan_key, k._snapshot) as duplicate_count,
        row_number() over (
            partition by k.loan_key, k._snapshot
            order by k._ingested_at, k._source_file, k._source_line
        ) as _copy
    from kept k
    anti join conflicting c on c.loan_key = k.loan_key and c._snapshot = k._snapshot
    anti join held h on h.loan_key = k.loan_key
)

select
    * exclude (_snapshot, _row_hash, _copy),
    row_number() over (
        partition by loan_key
        order by snapshot_date nulls first, _ingested_at, _source_file, _source_line
    ) as snapshot_version
from collapsed
where _copy = 1
