-- 0010 device fences (PostgreSQL), down.
DROP TABLE device_fences;
