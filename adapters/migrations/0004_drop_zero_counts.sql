-- A daily count brought to zero by a later page was kept at zero, one brought to zero within
-- a page was never written: the rows depended on the paging. The projection now deletes a
-- total that reaches zero (projections.early_warning.view); drop those kept before.
DELETE FROM early_warning_department_days WHERE value = 0;
DELETE FROM early_warning_need_weeks WHERE value = 0;
