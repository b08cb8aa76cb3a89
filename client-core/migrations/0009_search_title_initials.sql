-- 초성 over the title only (moa-hangul `forms`): the first field, or when
-- it is empty the first 40 characters of the second. The triggers keep
-- the FTS table in step. One-character words join the vocabulary as
-- entries are stored again.
UPDATE search_docs SET initials = CASE
    WHEN instr(initials, char(31, 31)) = 0 THEN initials
    WHEN instr(initials, char(31, 31)) > 1
        THEN substr(initials, 1, instr(initials, char(31, 31)) - 1)
    ELSE substr(substr(initials, 3), 1,
        min(40, instr(substr(initials, 3) || char(31, 31), char(31, 31)) - 1))
END;
