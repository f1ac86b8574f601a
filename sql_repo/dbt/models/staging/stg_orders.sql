-- Typed, de-duplicated orders. The Glue job can write an order twice when it retries
-- an hourly batch; keep the latest version of each order_id.
{{ config(materialized='view') }}

with ranked as (
    select
        order_id,
        customer_id,
        order_ts,
        cast(amount as double) as amount,
        upper(currency) as currency,
        lower(status) as status,
        product_code,
        dt,
        row_number() over (partition by order_id order by order_ts desc) as rn
    from {{ source('analytics', 'orders') }}
)

select
    order_id,
    customer_id,
    order_ts,
    amount,
    currency,
    status,
    product_code,
    dt
from ranked
where rn = 1
