{#-
  Model-ready loan features: one row per loan_key, its latest snapshot version.

  Only columns known at origination, listed one by one: a new raw column never reaches the mart
  unless it is added here. Post-outcome fields (loan_status, chargeoff_date, chargeoff_principal,
  balance_gross, and the source fields on the denylist of risk_assets/lib/quality/leakage.py) are
  never selected; the blocking check loan_features_no_leakage enforces both the denylist and a
  single-feature separation test. Staging rows that a check on staging quarantined are left out;
  a loan whose latest version is one of them is left out entirely (its current state is unknown,
  and an older version would pass for it), as staging does for raw rows.

  Origination terms are the loan's first: each is the value of the earliest version that gives it
  (snapshot order). A later snapshot that does not give one (a servicer's monthly performance tape
  maps status and balance, not the amount, rate or FICO that the origination file gave) leaves it
  as the origination file gave it, instead of NULL; a later snapshot that gives another value (a
  bureau field refreshed monthly: a FICO of 610 at default where 700 was known at origination) does
  not replace it, since a PD learnt from a value recorded after origination would learn the outcome.
  The check loan_features_origination_restated names such loans and terms. off_policy is the
  latest version's own. The outcome (default_flag) is the latest version's that gives one: an
  outcome is final, so a later tape that reports a settled loan open again (Current, late) does
  not erase its charge-off or repayment: the loan would leave training unlabelled, and a default
  dropped biases the PD low as counting survivors as good would (raw_loans_outcome_reversed names
  such loans). A later settled outcome replaces an earlier one, unless a file of the loan was read
  with a mapping's "default_cured": "keep_default" (its notes in raw.landed_files say so): then a
  default in any snapshot stays the loan's flag (1), since a later cure or payoff does not undo it
  (a default is an event within the PD horizon: Basel II para 452-453, EBA/GL/2016/07). The list of
  terms is the project variable origination_terms (dbt_project.yml).
-#}
{%- set origination_terms = var('origination_terms') %}
with staged as (
    -- rows a check on staging quarantined (stg_loans_values: same file and line in quality.quarantine)
    select
        s.*,
        exists (
            select 1 from quality.quarantine q
            where q.file_sha256 = s._file_sha256 and q.line = s._source_line
        ) as _quarantined,
        s.snapshot_version = max(s.snapshot_version) over (partition by s.loan_key) as _latest
    from {{ ref('stg_loans') }} s
),

kept as (
    -- those rows are left out, and so is every version of a loan whose latest version is one of them
    select k.* exclude (_quarantined, _latest)
    from staged k
    anti join (select loan_key from staged where _quarantined and _latest) h on h.loan_key = k.loan_key
    where not k._quarantined
),

default_kept as (
    -- loans with a row from a file whose mapping keeps a default once reported ("default_cured")
    select distinct k.loan_key
    from kept k
    join {{ source('raw', 'landed_files') }} f
        on f.sha256 = k._file_sha256 and f.status = 'loaded'
    where json_extract_string(f.notes, '$.default_cured') = 'keep_default'
),

carried as (
    -- each origination term: the value of the earliest version that gives one
    select
        loan_key,
        portfolio,
        snapshot_version,
        case
            when loan_key in (select loan_key from default_kept)
                 and max(default_flag) over versions = 1 then 1
            else last_value(default_flag ignore nulls) over versions
        end as default_flag,
        off_policy,
        {%- for term in origination_terms %}
        first_value({{ term }} ignore nulls) over versions as {{ term }},
        {%- endfor %}
    from kept
    window versions as (
        partition by loan_key order by snapshot_version rows between unbounded preceding and unbounded following
    )
),

latest as (
    select *
    from carried
    qualify snapshot_version = max(snapshot_version) over (partition by loan_key)
)

select
    loan_key,
    portfolio,
    origination_date,
    vintage,
    default_flag,
    off_policy,
    loan_amount,
    currency,
    term_months,
    int_rate,
    installment,
    grade,
    sub_grade,
    emp_length_years,
    home_ownership,
    annual_income,
    verification_status,
    purpose,
    zip3,
    addr_state,
    dti,
    delinq_2yrs,
    inq_last_6mths,
    open_acc,
    pub_rec,
    revol_bal,
    revol_util,
    total_acc,
    earliest_cr_line,
    fico_range_low,
    naics,
    bank_state,
    employees,
    new_business,
    jobs_created,
    jobs_retained,
    franchise_code,
    urban_rural,
    revolving_line,
    low_doc,
    disbursement_date,
    disbursement_gross,
    gross_approved,
    sba_approved
from latest
