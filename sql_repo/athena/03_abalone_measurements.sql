-- UCI abalone measurements, the training input of the SageMaker `AbalonePipeline`
-- (its AbaloneProcess step reads the same prefix). No personal data.
CREATE EXTERNAL TABLE IF NOT EXISTS analytics.abalone_measurements (
    sex             string  COMMENT 'M, F or I (infant)',
    length          double  COMMENT 'mm, longest shell measurement',
    diameter        double  COMMENT 'mm, perpendicular to length',
    height          double  COMMENT 'mm, with meat in shell',
    whole_weight    double  COMMENT 'grams, whole abalone',
    shucked_weight  double  COMMENT 'grams, weight of meat',
    viscera_weight  double  COMMENT 'grams, gut weight after bleeding',
    shell_weight    double  COMMENT 'grams, after being dried',
    rings           int     COMMENT 'label: +1.5 gives the age in years'
)
STORED AS PARQUET
LOCATION 's3://acme-curated-lake/abalone/measurements/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY');
