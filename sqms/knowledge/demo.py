"""Demo knowledge base for `sqms demo`: 25 published articles for the seeded problem types
(宽带断网, 信号弱, 话费争议, 套餐变更, 携号转网, 自助终端故障, 叫号机故障,
办理超时 …), a few drafts, one in review and one past its review date.

The hall's agent writes each article; the company's quality manager moves the company-wide
ones up to the company (so every unit reads them) and publishes them — the review rule (not
by the author) holds in the demo as it does in use.
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms.knowledge import services
from sqms.knowledge.models import Article

COMPANY = "HNTEL"
HALL = "HNTEL-GZ-TH"

# (problem-type code, title, problem, cause, solution, products)
ARTICLES: list[tuple[str, str, str, str, str, str]] = [
    (
        "broadband_outage",
        "宽带无法上网/断网处理办法",
        (
            "客户反映家中宽带突然断网、无法上网，电脑和手机连 Wi-Fi 都打不开网页，"
            "光猫 LOS 灯红色闪烁或 PON 灯不亮。"
        ),
        "入户光纤弯折或接头松动；光猫长时间运行死机；片区光缆故障。",
        (
            "1. 核实账号状态，排除欠费停机；\n2. 指导客户重启光猫和路由器，观察 LOS/PON 灯；\n"
            "3. 检查入户光纤是否弯折、接头是否松动；\n4. 查询片区是否有光缆障碍公告，"
            "有则告知预计恢复时间；\n5. 仍无法恢复的，派装维上门，承诺 24 小时内处理。"
        ),
        "宽带, 光猫, 家庭宽带",
    ),
    (
        "broadband_outage",
        "宽带频繁掉线排查步骤",
        "客户反映宽带时断时续，看视频经常卡住，每天掉线好几次。",
        "路由器过热或老化；Wi-Fi 信道干扰；光衰过大。",
        (
            "1. 远程查询光猫收光功率，低于 -27dBm 需派单整治光路；\n"
            "2. 建议客户将路由器放在通风处并更换信道；\n3. 有线直连测试，排除无线干扰；\n"
            "4. 多次掉线记录提交网络支撑复核。"
        ),
        "宽带, 路由器",
    ),
    (
        "broadband_outage",
        "宽带网速慢投诉处理口径",
        "客户投诉办理的 500M 宽带实际网速只有几十兆，网速慢影响办公。",
        "测速方法不当（无线测速、设备网卡限制）或端口限速配置错误。",
        (
            "1. 指导客户用网线直连电脑，在官方测速平台测速；\n2. 核查端口速率配置与套餐是否一致；"
            "\n3. 配置错误的立即修正并回访；\n4. 属终端限制的，向客户说明千兆网卡/路由器要求。"
        ),
        "宽带, 宽带提速",
    ),
    (
        "weak_signal",
        "室内手机信号弱处理办法",
        "客户反映家中手机信号弱、没信号，打电话断断续续，5G 经常掉回 4G。",
        "住宅位于基站覆盖边缘；高层或地下室穿透损耗大。",
        (
            "1. 记录详细地址、楼层和终端型号；\n2. 查询基站覆盖和近期故障；\n"
            "3. 建议开通 VoWiFi 通话作为临时办法；\n4. 提交网络优化工单，7 个工作日内回复客户。"
        ),
        "移动网络, 5G",
    ),
    (
        "weak_signal",
        "新建小区无信号的受理与跟进",
        "新交付小区整片手机没信号，业主集体投诉。",
        "小区室分系统尚未建设或未开通。",
        (
            "1. 登记小区名称、楼栋和联系人；\n2. 联系网络部确认室分建设计划；\n"
            "3. 向客户说明进度并定期回访；\n4. 多名客户投诉的按群体事件上报。"
        ),
        "移动网络, 基站",
    ),
    (
        "billing_dispute",
        "话费争议处理规范",
        "客户质疑本月话费比平时高很多，怀疑被乱扣费。",
        "超套餐流量、国际漫游或订购了增值业务。",
        (
            "1. 调取详单，逐项向客户解释；\n2. 查询增值业务订购记录及订购渠道；\n"
            "3. 确属未经同意订购的，退订并按规定退费；\n4. 属客户使用产生的，推荐更合适的套餐。"
        ),
        "话费, 增值业务",
    ),
    (
        "billing_dispute",
        "增值业务乱扣费退订退费流程",
        "客户发现每月被扣 10 元彩铃费和视频会员费，称从未订购。",
        "第三方渠道诱导订购或误触订购。",
        (
            "1. 查询订购记录（时间、渠道、确认短信）；\n2. 立即为客户退订；\n"
            "3. 无二次确认记录的，全额退还已扣费用；\n4. 为客户开通增值业务订购保护。"
        ),
        "增值业务, 彩铃, 话费",
    ),
    (
        "billing_dispute",
        "国际漫游高额流量费争议",
        "客户出国旅行回来发现产生了上千元国际漫游流量费。",
        "未订购漫游流量包，按标准资费计费。",
        (
            "1. 核实漫游地和流量使用明细；\n2. 确认是否发送过高额提醒短信；\n"
            "3. 按公司封顶政策处理，超出部分申请减免；\n4. 提醒客户出境前订购漫游流量包。"
        ),
        "国际漫游, 流量, 话费",
    ),
    (
        "plan_change",
        "套餐变更办理规则",
        "客户想把现在的套餐换成更便宜的套餐，询问怎么办理、何时生效。",
        "合约期内套餐降档受限；变更通常次月生效。",
        (
            "1. 查询客户当前套餐和合约期；\n2. 合约期内降档需说明违约条款；\n3. 可变更的，"
            "告知次月 1 日生效；\n4. 办理后发送确认短信。"
        ),
        "套餐, 套餐变更",
    ),
    (
        "plan_change",
        "套餐变更后流量不生效的处理",
        "客户上月办理了套餐变更，这个月流量还是按旧套餐计算。",
        "变更工单未同步计费系统。",
        (
            "1. 核查变更工单状态；\n2. 工单未完成的，提交计费支撑加急处理；\n"
            "3. 多扣的费用核算后退还；\n4. 处理完毕回访客户。"
        ),
        "套餐, 流量",
    ),
    (
        "plan_change",
        "副卡、亲情号办理与取消",
        "客户想给家人办理副卡共享流量，或取消亲情号。",
        "主卡套餐决定副卡数量上限。",
        (
            "1. 核实主卡套餐可办副卡数量；\n2. 副卡需实名制登记，携带使用人证件；\n"
            "3. 取消亲情号次月生效；\n4. 告知共享流量的扣减顺序。"
        ),
        "副卡, 亲情号, 套餐",
    ),
    (
        "other",
        "携号转网业务办理指引",
        "客户要求把手机号码携号转网到其他运营商，询问条件和流程。",
        "携转需满足无欠费、无合约限制、实名一致等条件。",
        (
            "1. 引导客户发送短信查询携转资格；\n2. 有合约或欠费的，说明解约或缴费方式；\n"
            "3. 满足条件的，发送授权码；\n4. 不得以任何理由拖延或阻挠客户携转。"
        ),
        "携号转网",
    ),
    (
        "other",
        "携号转网失败原因查询",
        "客户申请携号转网被拒，不清楚原因。",
        "存在欠费、在网合约、靓号协议或实名信息不一致。",
        (
            "1. 查询携转失败原因码；\n2. 逐项告知需处理的事项；\n3. 处理完成后指导客户重新申请；"
            "\n4. 记录客户诉求，防止重复投诉。"
        ),
        "携号转网, 靓号",
    ),
    (
        "self_service_terminal",
        "自助终端故障应急处理",
        "营业厅自助终端无法缴费、打印发票，屏幕卡死或吞卡。",
        "终端程序异常、网络中断或硬件故障。",
        (
            "1. 在终端张贴暂停使用提示，引导客户到人工窗口；\n2. 重启终端并检查网络；\n"
            "3. 吞卡的，登记客户信息，当日取出归还；\n4. 30 分钟内无法恢复的报修设备厂家。"
        ),
        "自助终端, 营业厅, 缴费",
    ),
    (
        "self_service_terminal",
        "自助终端缴费未到账处理",
        "客户在自助终端缴费成功扣款，但号码余额没有增加。",
        "终端与计费系统对账延迟或交易中断。",
        (
            "1. 索取交易凭条，查询终端流水；\n2. 已扣款未到账的，提交对账工单；\n"
            "3. 24 小时内完成补录或原路退款；\n4. 及时告知客户处理结果。"
        ),
        "自助终端, 充值, 缴费",
    ),
    (
        "queue_machine",
        "叫号机故障应急处理",
        "营业厅叫号机无法取号或不叫号，大厅排队秩序混乱。",
        "叫号系统服务中断或打印机缺纸卡纸。",
        (
            "1. 启用人工登记排队，由大堂经理发放纸质号；\n2. 检查打印机纸张和叫号服务；\n"
            "3. 向等候客户致歉并说明预计等候时间；\n4. 恢复后按登记顺序叫号。"
        ),
        "叫号机, 营业厅, 排队",
    ),
    (
        "process_delay",
        "营业厅业务办理超时的预防与处置",
        "客户投诉在营业厅办理业务等了很久，办理超时。",
        "高峰期窗口不足；系统响应慢；复杂业务占用窗口。",
        (
            "1. 大堂经理预判高峰，及时增开窗口；\n2. 简单业务引导至自助终端或 App；\n"
            "3. 系统缓慢的，上报 IT 并登记受影响客户；\n4. 办理超过 20 分钟的，"
            "主动致歉并说明原因。"
        ),
        "营业厅, 办理超时, 排队",
    ),
    (
        "process_delay",
        "补卡换卡业务办理",
        "客户手机卡丢失或损坏，需要补卡换卡。",
        "补卡须本人持有效证件办理，实名制要求。",
        (
            "1. 核验本人身份证件（人证比对）；\n2. 确认号码实名信息一致；\n3. 办理补卡，"
            "旧卡即时失效；\n4. 提醒客户修改重要账户的短信验证设置。"
        ),
        "补卡, 换卡, 实名制",
    ),
    (
        "process_error",
        "业务办理差错的更正流程",
        "客户发现营业员办错了业务，例如开通了错误的套餐。",
        "营业员未按规范复核客户需求。",
        (
            "1. 向客户致歉，核实原办理记录；\n2. 立即更正并退还多收费用；\n3. 记录服务差错，"
            "纳入班组质量考核；\n4. 3 个工作日内回访客户。"
        ),
        "套餐, 营业厅",
    ),
    (
        "service_attitude",
        "服务态度投诉处理规范",
        "客户投诉营业员或客服态度差、不耐烦、推诿。",
        "服务意识不足；高峰期压力大。",
        (
            "1. 首问负责，认真倾听并致歉；\n2. 调取录音或监控核实情况；\n3. 属实的，"
            "对责任人进行辅导和考核；\n4. 24 小时内回复客户处理结果。"
        ),
        "服务态度, 投诉",
    ),
    (
        "system_failure",
        "业务支撑系统故障时的受理办法",
        "营业系统或计费系统故障，无法办理业务。",
        "系统升级或中断。",
        (
            "1. 通过系统公告确认故障范围和预计恢复时间；\n2. 登记客户需求和联系方式，"
            "恢复后优先办理并回访；\n3. 不得让客户反复跑腿；\n4. 超过 2 小时的，按应急预案上报。"
        ),
        "营业厅, 系统",
    ),
    (
        "data_anomaly",
        "实名信息不一致的处理",
        "客户办理业务时提示实名信息不一致，无法办理。",
        "历史登记信息有误或证件更换。",
        (
            "1. 核验客户有效证件；\n2. 确认本人后提交实名信息修正；\n3. 非本人号码的，"
            "按实名制规定处理；\n4. 修正完成后继续办理原业务。"
        ),
        "实名制, 实名认证",
    ),
    (
        "billing",
        "欠费停机与复机办理",
        "客户手机因欠费停机，缴费后仍无法使用。",
        "缴费到账延迟或复机指令未执行。",
        (
            "1. 确认缴费已到账；\n2. 查询复机工单状态，未执行的手工复机；\n"
            "3. 告知客户复机一般 30 分钟内生效；\n4. 建议开通自动充值或余额提醒。"
        ),
        "欠费, 停机, 复机, 缴费",
    ),
    (
        "billing",
        "电子发票开具与重打",
        "客户需要开具话费发票或重新打印发票。",
        "客户不清楚开票渠道。",
        (
            "1. 引导客户在 App 或网上营业厅申请电子发票；\n2. 需纸质发票的，在营业厅打印；\n"
            "3. 抬头错误的，作废后重开；\n4. 企业客户核对税号。"
        ),
        "发票, 话费",
    ),
    (
        "broadband_outage",
        "宽带移机与装机预约",
        "客户搬家需要宽带移机，或新装宽带，询问上门时间。",
        "新地址需确认资源覆盖。",
        (
            "1. 查询新地址资源覆盖情况；\n2. 有资源的，预约上门时间（48 小时内）；\n3. 无资源的，"
            "说明原因并登记需求；\n4. 移机期间的月租按规定处理。"
        ),
        "宽带, 移机, 装机, 预约",
    ),
]

# (title, problem, solution): drafts the hall's agent is still writing.
DRAFTS = [
    (
        "光猫重启后仍无法上网的进阶排查",
        "客户重启光猫后宽带仍断网。",
        "检查光猫注册状态（LOID），必要时远程重新下发配置。",
    ),
    (
        "合约机提前解约的费用说明",
        "客户询问合约机提前解约要付多少钱。",
        "按合约剩余月数和终端补贴比例计算违约金。",
    ),
    (
        "超额流量费用封顶规则",
        "客户流量超出套餐后担心产生高额费用。",
        "说明超额流量封顶规则及流量包叠加办法。",
    ),
]

IN_REVIEW = (
    "5G 套餐升级后网速无变化的处理",
    "客户升级 5G 套餐后手机仍显示 4G，网速无变化。",
    "终端未开启 5G 开关或不支持当地 5G 频段。",
    (
        "1. 确认终端支持 5G 且已开启 5G 开关；\n2. 查询所在位置 5G 覆盖；\n"
        "3. 重启终端并更新 SIM 卡配置。"
    ),
)


def populate(units: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    from sqms.servicedesk.models import Category

    agent = users_by_role.get("agent")
    manager = users_by_role.get("unit_manager")
    quality = users_by_role.get("quality_manager")
    hall = units.get(HALL)
    company = units.get(COMPANY)
    if agent is None or manager is None or hall is None:
        return
    categories = {category.code: category for category in Category.objects.all()}
    today = timezone.localdate()
    with transaction.atomic():
        published = []
        for index, (code, title, problem, cause, solution, products) in enumerate(ARTICLES):
            article = services.create_article(
                actor=agent,
                title=title,
                problem=problem,
                cause=cause,
                solution=solution,
                products=products,
                category=categories.get(code),
                org_unit=hall,
            )
            reviewer = manager
            if quality is not None and company is not None and index % 3 != 2:
                services.update_article(article, actor=quality, org_unit=company)
                reviewer = quality
            services.submit_for_review(article, actor=agent)
            services.approve_article(article, actor=reviewer, comment="内容准确，同意发布")
            published.append(article)
        # What two years of use would have left: uses and helpful votes.
        for index, article in enumerate(published):
            Article.objects.filter(pk=article.pk).update(
                usage_count=(37 * (index + 3)) % 90 + 5,
                helpful_count=(23 * (index + 1)) % 40 + 3,
                not_helpful_count=(index * 7) % 5,
            )
        # One article past its review date: the expiry reminder has something to show.
        Article.objects.filter(pk=published[-1].pk).update(review_by=today - timedelta(days=12))
        # A revision waiting as a draft over a published article.
        services.update_article(
            published[0],
            actor=agent,
            solution=published[0].solution + "\n6. 恢复后发送短信回访，确认客户可正常上网。",
            change_note="增加回访步骤",
        )
        for title, problem, solution in DRAFTS:
            services.create_article(
                actor=agent, title=title, problem=problem, solution=solution, org_unit=hall
            )
        title, problem, cause, solution = IN_REVIEW
        waiting = services.create_article(
            actor=agent,
            title=title,
            problem=problem,
            cause=cause,
            solution=solution,
            products="5G, 套餐",
            category=categories.get("plan_change"),
            org_unit=hall,
        )
        services.submit_for_review(waiting, actor=agent)
