-- How many shards the server's remote_servers give the cluster @cluster.
SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = @cluster
