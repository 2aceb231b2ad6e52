-- 0010 device fences (SQLite), down.
DROP TABLE device_fences;
