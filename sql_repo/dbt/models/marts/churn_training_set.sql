-- Training set for the churn model: one row per customer per snapshot; the label
-- `churned` is 1 when the customer has no completed order in the last `lookback_days`
-- days. Read by the SageMaker churn pipeline from the ml schema.
{{ config(materialized='table', schema='ml') }}

with recent_orders as (
    select
        customer_id,
        count(*) as orders_in_window,
        sum(amount) as spend_in_window,
        max(order_ts) as last_order_ts
    from {{ ref('stg_orders') }}
    where status = 'completed'
      and order_ts >= current_date - interval '{{ var("lookback_days", 90) }}' day
    {% if is_incremental() %}
      -- Only while the model is materialized incrementally: skip snapshots already built.
      and order_ts > (select max(snapshot_ts) from {{ this }})
    {% endif %}
    group by customer_id
)

select
    f.customer_id,
    f.email_hash,
    f.age_years,
    f.country,
    f.order_count,
    f.total_amount,
    f.spend_tier,
    coalesce(r.orders_in_window, 0) as orders_in_window,
    coalesce(r.spend_in_window, 0) as spend_in_window,
    date_diff('day', r.last_order_ts, current_timestamp) as days_since_last_order,
    case when r.orders_in_window is null then 1 else 0 end as churned,
    current_timestamp as snapshot_ts
from {{ source('analytics', 'customer_features') }} as f
left join recent_orders as r
    on r.customer_id = f.customer_id
