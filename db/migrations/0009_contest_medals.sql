-- Medals by place on the final board (a contest definition's `medals:`),
-- served as the CLICS API's gold/silver/bronze awards. {gold, silver,
-- bronze}; zeros: the contest awards none.
ALTER TABLE contests ADD COLUMN medals integer[] NOT NULL DEFAULT '{0,0,0}'
    CHECK (array_length(medals, 1) = 3 AND 0 <= ALL (medals));
