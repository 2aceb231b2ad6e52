-- 0008 camera push (SQLite), down.
ALTER TABLE cameras DROP COLUMN baichuan_port;
ALTER TABLE cameras DROP COLUMN push;
