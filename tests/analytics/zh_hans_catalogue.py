"""A test catalogue for ``analytics.texts``: every msgid the module words engine texts with,
and a Simplified Chinese translation for it (the ones proposed for the project's .po file;
"residents" and "hukou type" are already there).

``tests.analytics.test_texts`` checks that this catalogue and the module's msgids are the same
set with the same placeholders, and words pages with it in place of the real catalogue.
"""

from __future__ import annotations

CATALOGUE: dict[str, str] = {
    # Segment descriptions: who, how they live, their needs.
    "residents": "居民",
    "older residents (65+)": "65岁及以上老年居民",
    "younger residents (under 35)": "35岁以下青年居民",
    "middle-aged residents (35-64)": "35-64岁中年居民",
    "living alone": "独居",
    "in households with children": "家中有儿童",
    "in large households": "生活在大家庭中",
    "chronic-disease needs": "慢性病需求",
    "disability needs": "残疾相关需求",
    "%(residents)s %(living)s": "%(living)s的%(residents)s",
    "%(first)s and %(second)s": "%(first)s和%(second)s",
    "%(residents)s with %(needs)s": "%(residents)s，有%(needs)s",
    # Work, income, education, hukou (after "mostly" / "often").
    "unemployed": "失业",
    "retired": "退休",
    "farming": "务农",
    "students": "学生",
    "in work": "在职",
    "low income": "低收入",
    "higher income": "较高收入",
    "little schooling": "受教育程度较低",
    "university-educated": "受过高等教育",
    "rural hukou": "农村户口",
    "non-local hukou": "外地户口",
    "local urban hukou": "本地城镇户口",
    "mostly %(trait)s": "多为%(trait)s",
    "often %(trait)s": "较多为%(trait)s",
    # Channels, demand, activity.
    "mostly via the hotline": "多通过热线反映诉求",
    "mostly via community workers": "多通过社区工作者反映诉求",
    "mostly self-service": "多自助提交诉求",
    "high infrastructure demand": "基础设施需求高",
    "high education demand": "教育需求高",
    "high health-care demand": "医疗卫生需求高",
    "high employment and social-security demand": "就业和社会保障需求高",
    "high environmental demand": "环境保护需求高",
    "few requests": "诉求较少",
    "%(description)s, %(phrase)s": "%(description)s，%(phrase)s",
    "%(description)s (%(trait)s %(share)s)": "%(description)s（%(trait)s %(share)s）",
    # Trait labels.
    "age 65 plus": "65岁及以上",
    "age under 35": "35岁以下",
    "age 35 64": "35-64岁",
    "elderly living alone": "独居老人",
    "children": "家中有儿童",
    "large household": "大家庭",
    "chronic": "慢性病",
    "disability": "残疾",
    "farmer": "务农",
    "student": "学生",
    "employed": "在职",
    "high income": "较高收入",
    "tertiary": "高等教育",
    "non local": "外地户口",
    "urban hukou": "本地城镇户口",
    "hotline": "热线",
    "community worker": "社区工作者",
    "self service": "自助",
    # How the number of segments was chosen.
    "mean silhouette over k=%(k_min)s..%(k_max)s, MiniBatchKMeans fitted on %(fitted)s "
    "residents and scored on %(scored)s": "在 k=%(k_min)s..%(k_max)s 中按平均轮廓系数选择；"
    "MiniBatchKMeans 用 %(fitted)s 名居民拟合，用 %(scored)s 名居民评分",
    # Equity weight reasons.
    "urban": "城市",
    "rural": "农村",
    "%(city)s (%(region)s): development level %(level)s in %(year)s is at or above the median "
    "city (%(median)s), so weight 1.00": "%(city)s（%(region)s）：%(year)s 年发展水平 %(level)s，"
    "不低于中位城市（%(median)s），因此权重为 1.00",
    "%(city)s (%(region)s): development level %(level)s in %(year)s is %(shortfall)s below the "
    "median city (%(median)s); %(region)s's coefficient of variation %(regional_cv)s against "
    "%(mean_regional_cv)s on average over regions; weight 1 + %(level_weight)s x "
    "%(shortfall_ratio)s x %(relative_cv)s = %(weight)s": "%(city)s（%(region)s）：%(year)s 年"
    "发展水平 %(level)s，比中位城市（%(median)s）低 %(shortfall)s；%(region)s的变异系数为 "
    "%(regional_cv)s，各区域平均为 %(mean_regional_cv)s；权重 = 1 + %(level_weight)s × "
    "%(shortfall_ratio)s × %(relative_cv)s = %(weight)s",
    "%(kind)s communities of %(city)s: city weight %(city_weight)s; %(kind)s parts are better "
    "provided (urban-rural differentiation score E = %(e)s in %(year)s), no uplift; weight "
    "%(weight)s": "%(city)s的%(kind)s社区：城市权重 %(city_weight)s；%(kind)s一侧供给较好"
    "（%(year)s 年城乡差异得分 E = %(e)s），不上调；权重 %(weight)s",
    "%(kind)s communities of %(city)s: city weight %(city_weight)s; %(kind)s parts are equally "
    "provided (urban-rural differentiation score E = %(e)s in %(year)s), no uplift; weight "
    "%(weight)s": "%(city)s的%(kind)s社区：城市权重 %(city_weight)s；城乡供给相当（%(kind)s一侧，"
    "%(year)s 年城乡差异得分 E = %(e)s），不上调；权重 %(weight)s",
    "%(kind)s communities of %(city)s: city weight %(city_weight)s x uplift %(uplift)s for the "
    "less provided side (E = %(e)s in %(year)s, 100 = average gap; uplift 1 + %(gap_weight)s x "
    "|E|/100); weight %(weight)s": "%(city)s的%(kind)s社区：城市权重 %(city_weight)s × 供给较弱"
    "一侧的上调系数 %(uplift)s（%(year)s 年 E = %(e)s，100 = 平均差距；上调系数 = 1 + "
    "%(gap_weight)s × |E|/100）；权重 %(weight)s",
    "default weight 1.0 (no equalization weight given)": "默认权重 1.0（未提供均等化权重）",
    "equalization weight (no reason given)": "均等化权重（未说明理由）",
    "%(reason)s (equalization run #%(run)s)": "%(reason)s（均等化分析 #%(run)s）",
    "equalization analysis": "均等化分析",
    "equal (no analysis run)": "相同权重（尚未运行分析）",
    # Allocation lines and notes.
    "government": "政府",
    "social organisation": "社会组织",
    "market": "市场",
    "%(community)s / %(category)s: forecast %(forecast)s (interval %(lower)s-%(upper)s), "
    "current supply %(current_supply)s, gap %(gap)s; add %(units)s from %(supplier)s at "
    "%(unit_cost)s each (%(cost)s)": "%(community)s / %(category)s：预测 %(forecast)s（区间 "
    "%(lower)s-%(upper)s），现有供给 %(current_supply)s，缺口 %(gap)s；由%(supplier)s新增 "
    "%(units)s，单价 %(unit_cost)s（合计 %(cost)s）",
    "%(explanation)s - the cheapest supplier": "%(explanation)s——最便宜的供给方",
    "%(explanation)s - cheaper suppliers are at capacity": "%(explanation)s——更便宜的供给方"
    "已满负荷",
    "%(explanation)s; equity weight %(weight)s: %(reason)s": "%(explanation)s；公平权重 "
    "%(weight)s：%(reason)s",
    "%(explanation)s; coverage %(before)s -> %(after)s": "%(explanation)s；覆盖率 %(before)s → "
    "%(after)s",
    "Floor: every community covered at least %(floor)s (highest possible %(highest)s, relaxed "
    "by %(epsilon)s to leave room for equity weights).": "覆盖率下限：每个社区至少覆盖 %(floor)s"
    "（最高可达 %(highest)s，放宽 %(epsilon)s 以便为公平权重留出空间）。",
    "Floor: every community and category covered at least %(floor)s (highest possible "
    "%(highest)s, relaxed by %(epsilon)s to leave room for equity weights).": "覆盖率下限：每个"
    "社区的每类服务至少覆盖 %(floor)s（最高可达 %(highest)s，放宽 %(epsilon)s 以便为公平权重"
    "留出空间）。",
    "Units are LP values (requests that can be served); round down when writing "
    "capacities.": "数量为线性规划的取值（可满足的诉求数）；写入供给能力时请向下取整。",
    # Whole-unit plans.
    "Units are whole requests that can be served (mixed-integer program): the plan is within %(target)s of the best whole-unit plan (gap reached %(gap)s, solved in %(seconds)s s).": "数量为可满足的整件诉求数（混合整数规划）：方案与最优整件方案的差距在 %(target)s 以内（达到的间隙 %(gap)s，求解用时 %(seconds)s 秒）。",
    "The solver reached its time limit of %(limit)s s before proving the plan within %(target)s of the best: a better whole-unit plan may cover up to %(gap)s more weighted requests. The plan is in whole units and within every budget.": "求解器在 %(limit)s 秒的时限内未能证明方案与最优方案的差距在 %(target)s 以内：更好的整件方案最多可能多覆盖 %(gap)s 的加权诉求。本方案为整件单位，且不超过任何预算。",
    "Whole units cannot bring %(count)s of the floor's rows to %(floor)s: %(rows)s.": "整件单位无法使 %(count)s 个下限行达到 %(floor)s：%(rows)s。",
    "Whole units cover %(covered)s forecast requests; the fractional (LP) optimum at the same floor would cover %(fractional)s.": "整件方案覆盖 %(covered)s 件预测诉求；同一下限下的分数（线性规划）最优解可覆盖 %(fractional)s 件。",
    "HiGHS via scipy.optimize: floor by linprog (highs-ipm) and a whole-unit search, plan by milp (whole units)": "HiGHS（通过 scipy.optimize）：下限由 linprog（highs-ipm）与整件搜索确定，方案由 milp 求解（整件单位）",
    "Another 10,000 of budget would cover about %(requests)s more weighted requests.": "预算每"
    "增加 10,000，约可多满足 %(requests)s 件加权诉求。",
    # Fairness audit.
    "urban rural": "城乡",
    "age band": "年龄段",
    "hukou type": "户口类型",
    "under 35": "35岁以下",
    "35-59": "35-59岁",
    "60-74": "60-74岁",
    "75+": "75岁及以上",
    "with disability": "有残疾",
    "without disability": "无残疾",
    "local_urban": "本地城镇户口",
    "local_rural": "本地农村户口",
    "non_local": "外地户口",
    "%(dimension)s '%(group)s': served %(served)s of need against %(overall)s overall "
    "(%(below)s below; threshold %(threshold)s)": "%(dimension)s「%(group)s」：需求满足率 "
    "%(served)s，总体为 %(overall)s（低 %(below)s；阈值 %(threshold)s）",
    "%(dimension)s '%(group)s': forecast error (WAPE %(wape)s) more than %(threshold)s above "
    "overall (%(overall)s)": "%(dimension)s「%(group)s」：预测误差（WAPE %(wape)s）比总体"
    "（%(overall)s）高出 %(threshold)s 以上",
    "equal: every registered resident carries an equal share of each need": "平均分摊：每位登记"
    "居民平均分担每项需求",
    "by segment: residents carry their segment's request rate per category": "按群体分摊：居民"
    "按所属群体在各类服务上的诉求率分担需求",
    # What-if scenarios: directions, the total, assumptions and the caveat.
    "up": "上升",
    "down": "下降",
    "no material change": "无明显变化",
    "total: %(direction)s %(change_percent)s (%(change)s requests over the horizon)": "合计："
    "%(direction)s %(change_percent)s（预测期内 %(change)s 件诉求）",
    "population changes by %(percent)s, the newcomers like the current residents": "人口变化 "
    "%(percent)s，新增居民构成与现有居民相同",
    "%(count)s residents aged 65+, like the community's current older residents; the "
    "population changes by as many": "65岁及以上居民 %(count)s 人，构成与社区现有老年居民相同；"
    "人口随之增减同样人数",
    "schools: %(count)s": "学校：%(count)s 所",
    "everything else stays as it is, in this community and in every other": "本社区及其他所有"
    "社区的其余情况保持不变",
    "An association learnt across %(communities)s communities, not a causal estimate: "
    "communities that differ in these attributes differ in demand, which does not show that the "
    "change would cause the difference. With few communities it is noisy.": "这是从 "
    "%(communities)s 个社区之间的差异中学到的相关关系，而非因果估计：这些属性不同的社区需求也"
    "不同，但这并不表明该变化会导致需求差异。社区数量较少时结果波动较大。",
    # Method descriptions: the effect lag, PCA retention, forecaster and solver.
    "no long-run effect of %(regressor)s on %(dependent)s (dynamics not stable)": "%(regressor)s"
    " 对 %(dependent)s 没有长期效应（动态不稳定）",
    "a lasting one-unit rise in %(regressor)s changes %(dependent)s by %(short_run)s in the "
    "same year and by %(long_run)s in the long run": "%(regressor)s 持续提高一个单位，当年使 "
    "%(dependent)s 变化 %(short_run)s，长期变化 %(long_run)s",
    "; mean lag %(years)s years": "；平均滞后 %(years)s 年",
    ", half of the long-run effect after %(years)s year(s)": "，%(years)s 年后达到长期效应的一半",
    ", %(share)s after %(years)s year(s)": "，%(years)s 年后达到 %(share)s",
    "eigenvalue > %(value)s": "特征值 > %(value)s",
    "cumulative variance share >= %(share)s": "累计方差贡献率 ≥ %(share)s",
    "global HistGradientBoostingRegressor(loss='poisson') on lag/rolling/calendar/attribute "
    "features, level offset; direct multi-step (horizon as a feature); %(interval)s intervals "
    "from quantile-loss models (%(low)s/%(high)s)": "全局 HistGradientBoostingRegressor"
    "（loss='poisson'），特征为滞后、滚动、日历和社区属性，以水平值为偏移；直接多步预测（预测步长"
    "作为特征）；%(interval)s 预测区间来自分位数损失模型（%(low)s/%(high)s）",
    "HiGHS via scipy.optimize.linprog: stage 1 highs-ipm, stage 2 highs-ds": "HiGHS（通过 "
    "scipy.optimize.linprog）：第一阶段 highs-ipm，第二阶段 highs-ds",
}
