-- tools/bench "sqlite3" workload: builds tables from recursive CTEs,
-- indexes them, and runs joins, aggregates and string functions
-- (an in-memory database; deterministic output).
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO item SELECT i, printf('item-%06d-%s', i, substr('abcdefghijklmnop', i % 13 + 1, 3)),
    (i * 7919) % 1000, ((i * 104729) % 100000) / 100.0 FROM n;
CREATE TABLE sale(id INTEGER PRIMARY KEY, item INTEGER, qty INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
INSERT INTO sale SELECT i, (i * 48271) % 100000 + 1, i % 17 + 1 FROM n;
CREATE INDEX sale_item ON sale(item);
CREATE INDEX item_grp ON item(grp);
SELECT count(*), sum(qty), max(item) FROM sale;
SELECT grp, count(*), round(sum(price), 2) FROM item GROUP BY grp ORDER BY sum(price) DESC LIMIT 5;
SELECT i.grp, sum(s.qty * i.price) AS revenue FROM sale s JOIN item i ON i.id = s.item
    GROUP BY i.grp ORDER BY revenue DESC, i.grp LIMIT 5;
SELECT substr(name, 13), count(*) FROM item WHERE name LIKE '%-c%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3;
SELECT count(*) FROM item WHERE id IN (SELECT item FROM sale WHERE qty > 15);
UPDATE item SET price = price * 1.1 WHERE grp < 100;
SELECT round(avg(price), 4), length(group_concat(name)) FROM item WHERE grp BETWEEN 90 AND 110;
