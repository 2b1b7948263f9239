import type {GpuModelFacts} from './gpu-models.js'
import type {GpuBox, GpuDevice, GpuSample} from './gpu-box.js'

/** nvidia-smi's thermal slowdown point; `gpu_temp_tlimit` is how far below it the GPU runs. */
const SLOWDOWN_TEMP_C = 87
/** The share of board power the HBM stacks draw (the H100 fixture: 32.41 of 101.69 W). */
const HBM_SHARE_OF_POWER = 0.3187
/** The driver keeps about 0.6% of the frame buffer for itself (480 of 81559 MiB on the H100). */
const RESERVED_SHARE = 0.005885

const mib = (n: number) => `${Math.round(n)} MiB`
const pct = (n: number) => `${Math.round(n)} %`
const watts = (n: number) => `${n.toFixed(2)} W`
const mhz = (n: number) => `${Math.round(n)} MHz`

/**
 * `nvidia-smi -q -x`, laid out as the real driver writes it (fixtures/nvidia-smi/nvidia-smi-q.xml,
 * from an H100): the same elements in the same order, with the model's, the device's and the
 * moment's figures in place of the H100's. Board-level details nobody parses (VBIOS, part
 * numbers, link info) stay as the fixture has them.
 */
export function renderNvidiaSmiXml(box: GpuBox, devices: readonly {index: number; device: GpuDevice; facts: GpuModelFacts; sample: GpuSample}[], timestamp: string): string {
  const head = `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v13.dtd">
<nvidia_smi_log>
	<timestamp>${timestamp}</timestamp>
	<driver_version>${box.driverVersion}</driver_version>
	<cuda_version>${box.cudaVersion}</cuda_version>
	<attached_gpus>${box.devices.length}</attached_gpus>
`
  return head + devices.map((d) => gpuElement(box, d.index, d.device, d.facts, d.sample)).join('') + '</nvidia_smi_log>\n'
}

function gpuElement(box: GpuBox, index: number, d: GpuDevice, f: GpuModelFacts, s: GpuSample): string {
  const total = box.memoryMiB
  const reserved = Math.round(total * RESERVED_SHARE)
  const mig = f.mig ? 'Disabled' : 'N/A'
  const ecc = f.ecc === '0' ? 'Enabled' : f.ecc === 'Off' ? 'Disabled' : 'N/A'
  const memClock = f.clocks.mem[0] ?? s.memClock
  const pci = pciParts(d.busId)
  return `	<gpu id="${d.busId}">
		<product_name>${f.product}</product_name>
		<product_brand>${f.brand}</product_brand>
		<product_architecture>${f.architecture}</product_architecture>
		<display_mode>Requested functionality has been deprecated</display_mode>
		<display_attached>Yes</display_attached>
		<display_active>Disabled</display_active>
		<persistence_mode>${f.datacenter ? 'Enabled' : 'Disabled'}</persistence_mode>
		<addressing_mode>None</addressing_mode>
		<mig_mode>
			<current_mig>${mig}</current_mig>
			<pending_mig>${mig}</pending_mig>
		</mig_mode>
		<mig_devices>
			None
		</mig_devices>
		<accounting_mode>Disabled</accounting_mode>
		<accounting_mode_buffer_size>4000</accounting_mode_buffer_size>
		<driver_model>
			<current_dm>N/A</current_dm>
			<pending_dm>N/A</pending_dm>
		</driver_model>
		<serial>${d.serial}</serial>
		<uuid>${d.uuid}</uuid>
		<pdi>0x6a58b958b2d950ae</pdi>
		<minor_number>${index}</minor_number>
		<vbios_version>96.00.DA.00.0C</vbios_version>
		<multigpu_board>No</multigpu_board>
		<board_id>${pci.boardId}</board_id>
		<board_part_number>695-2G520-0200-000</board_part_number>
		<gpu_part_number>2330-885-A1</gpu_part_number>
		<gpu_fru_part_number>N/A</gpu_fru_part_number>
		<platformInfo>
			<chassis_serial_number>N/A</chassis_serial_number>
			<slot_number>N/A</slot_number>
			<tray_index>N/A</tray_index>
			<host_id>N/A</host_id>
			<peer_type>N/A</peer_type>
			<module_id>8</module_id>
			<gpu_fabric_guid>N/A</gpu_fabric_guid>
		</platformInfo>
		<inforom_version>
			<img_version>G520.0200.00.05</img_version>
			<oem_object>2.1</oem_object>
			<ecc_object>7.16</ecc_object>
			<pwr_object>N/A</pwr_object>
		</inforom_version>
		<inforom_bbx_flush>
			<latest_timestamp>N/A</latest_timestamp>
			<latest_duration>N/A</latest_duration>
		</inforom_bbx_flush>
		<gpu_operation_mode>
			<current_gom>N/A</current_gom>
			<pending_gom>N/A</pending_gom>
		</gpu_operation_mode>
		<c2c_mode>Disabled</c2c_mode>
		<gpu_virtualization_mode>
			<virtualization_mode>Pass-Through</virtualization_mode>
			<host_vgpu_mode>N/A</host_vgpu_mode>
			<vgpu_heterogeneous_mode>N/A</vgpu_heterogeneous_mode>
		</gpu_virtualization_mode>
		<gpu_recovery_action>None</gpu_recovery_action>
		<gsp_firmware_version>${box.driverVersion}</gsp_firmware_version>
		<ibmnpu>
			<relaxed_ordering_mode>N/A</relaxed_ordering_mode>
		</ibmnpu>
		<pci>
			<pci_bus>${pci.bus}</pci_bus>
			<pci_device>${pci.device}</pci_device>
			<pci_domain>0000</pci_domain>
			<pci_base_class>3</pci_base_class>
			<pci_sub_class>2</pci_sub_class>
			<pci_device_id>${f.pciDeviceId}</pci_device_id>
			<pci_bus_id>${d.busId}</pci_bus_id>
			<pci_sub_system_id>16C110DE</pci_sub_system_id>
			<pci_gpu_link_info>
				<pcie_gen>
					<max_link_gen>5</max_link_gen>
					<current_link_gen>5</current_link_gen>
					<device_current_link_gen>5</device_current_link_gen>
					<max_device_link_gen>5</max_device_link_gen>
					<max_host_link_gen>N/A</max_host_link_gen>
				</pcie_gen>
				<link_widths>
					<max_link_width>16x</max_link_width>
					<current_link_width>16x</current_link_width>
				</link_widths>
			</pci_gpu_link_info>
			<pci_bridge_chip>
				<bridge_chip_type>N/A</bridge_chip_type>
				<bridge_chip_fw>N/A</bridge_chip_fw>
			</pci_bridge_chip>
			<replay_counter>0</replay_counter>
			<replay_rollover_counter>0</replay_rollover_counter>
			<tx_util>1027 KB/s</tx_util>
			<rx_util>560 KB/s</rx_util>
			<atomic_caps_outbound>N/A</atomic_caps_outbound>
			<atomic_caps_inbound>N/A</atomic_caps_inbound>
		</pci>
		<fan_speed>${s.fanPct === null ? 'N/A' : `${s.fanPct} %`}</fan_speed>
		<performance_state>${s.pstate}</performance_state>
		<clocks_event_reasons>
			<clocks_event_reason_gpu_idle>${s.processes.length === 0 ? 'Active' : 'Not Active'}</clocks_event_reason_gpu_idle>
			<clocks_event_reason_applications_clocks_setting>Not Active</clocks_event_reason_applications_clocks_setting>
			<clocks_event_reason_sw_power_cap>Not Active</clocks_event_reason_sw_power_cap>
			<clocks_event_reason_hw_slowdown>Not Active</clocks_event_reason_hw_slowdown>
			<clocks_event_reason_hw_thermal_slowdown>Not Active</clocks_event_reason_hw_thermal_slowdown>
			<clocks_event_reason_hw_power_brake_slowdown>Not Active</clocks_event_reason_hw_power_brake_slowdown>
			<clocks_event_reason_sync_boost>Not Active</clocks_event_reason_sync_boost>
			<clocks_event_reason_sw_thermal_slowdown>Not Active</clocks_event_reason_sw_thermal_slowdown>
			<clocks_event_reason_display_clocks_setting>Not Active</clocks_event_reason_display_clocks_setting>
		</clocks_event_reasons>
		<clocks_event_reasons_counters>
			<clocks_event_reasons_counters_sw_power_cap>0 us</clocks_event_reasons_counters_sw_power_cap>
			<clocks_event_reasons_counters_sync_boost>0 us</clocks_event_reasons_counters_sync_boost>
			<clocks_event_reasons_counters_sw_therm_slowdown>0 us</clocks_event_reasons_counters_sw_therm_slowdown>
			<clocks_event_reasons_counters_hw_therm_slowdown>0 us</clocks_event_reasons_counters_hw_therm_slowdown>
			<clocks_event_reasons_counters_hw_power_brake>0 us</clocks_event_reasons_counters_hw_power_brake>
		</clocks_event_reasons_counters>
		<sparse_operation_mode>Disabled</sparse_operation_mode>
		<fb_memory_usage>
			<total>${mib(total)}</total>
			<reserved>${mib(reserved)}</reserved>
			<used>${mib(s.memUsedMiB)}</used>
			<free>${mib(total - reserved - s.memUsedMiB)}</free>
		</fb_memory_usage>
		<bar1_memory_usage>
			<total>131072 MiB</total>
			<used>1 MiB</used>
			<free>131071 MiB</free>
		</bar1_memory_usage>
		<cc_protected_memory_usage>
			<total>0 MiB</total>
			<used>0 MiB</used>
			<free>0 MiB</free>
		</cc_protected_memory_usage>
		<compute_mode>Default</compute_mode>
		<utilization>
			<gpu_util>${pct(s.utilGpu)}</gpu_util>
			<memory_util>${pct(s.utilMem)}</memory_util>
			<encoder_util>0 %</encoder_util>
			<decoder_util>0 %</decoder_util>
			<jpeg_util>0 %</jpeg_util>
			<ofa_util>0 %</ofa_util>
		</utilization>
		<encoder_stats>
			<session_count>0</session_count>
			<average_fps>0</average_fps>
			<average_latency>0</average_latency>
		</encoder_stats>
		<fbc_stats>
			<session_count>0</session_count>
			<average_fps>0</average_fps>
			<average_latency>0</average_latency>
		</fbc_stats>
		<dram_encryption_mode>
			<current_dram_encryption>N/A</current_dram_encryption>
			<pending_dram_encryption>N/A</pending_dram_encryption>
		</dram_encryption_mode>
		<ecc_mode>
			<current_ecc>${ecc}</current_ecc>
			<pending_ecc>${ecc}</pending_ecc>
		</ecc_mode>
		<ecc_errors>
			<volatile>
				<sram_correctable>0</sram_correctable>
				<sram_uncorrectable_parity>0</sram_uncorrectable_parity>
				<sram_uncorrectable_secded>0</sram_uncorrectable_secded>
				<dram_correctable>0</dram_correctable>
				<dram_uncorrectable>0</dram_uncorrectable>
			</volatile>
			<aggregate>
				<sram_correctable>0</sram_correctable>
				<sram_uncorrectable_parity>0</sram_uncorrectable_parity>
				<sram_uncorrectable_secded>0</sram_uncorrectable_secded>
				<dram_correctable>0</dram_correctable>
				<dram_uncorrectable>0</dram_uncorrectable>
				<sram_threshold_exceeded>No</sram_threshold_exceeded>
			</aggregate>
			<aggregate_uncorrectable_sram_sources>
				<sram_l2>0</sram_l2>
				<sram_sm>0</sram_sm>
				<sram_microcontroller>0</sram_microcontroller>
				<sram_pcie>0</sram_pcie>
				<sram_other>0</sram_other>
			</aggregate_uncorrectable_sram_sources>
			<channel_repair_pending>No</channel_repair_pending>
			<tpc_repair_pending>No</tpc_repair_pending>
			<unrepairable_memory>No</unrepairable_memory>
		</ecc_errors>
		<retired_pages>
			<multiple_single_bit_retirement>
				<retired_count>N/A</retired_count>
				<retired_pagelist>N/A</retired_pagelist>
			</multiple_single_bit_retirement>
			<double_bit_retirement>
				<retired_count>N/A</retired_count>
				<retired_pagelist>N/A</retired_pagelist>
			</double_bit_retirement>
			<pending_blacklist>N/A</pending_blacklist>
			<pending_retirement>N/A</pending_retirement>
		</retired_pages>
		<remapped_rows>
			<remapped_row_corr>0</remapped_row_corr>
			<remapped_row_corr_inactive>0</remapped_row_corr_inactive>
			<remapped_row_unc>0</remapped_row_unc>
			<remapped_row_unc_inactive>0</remapped_row_unc_inactive>
			<remapped_row_pending>No</remapped_row_pending>
			<remapped_row_failure>No</remapped_row_failure>
			<row_remapper_histogram>
				<row_remapper_histogram_max>2560 bank(s)</row_remapper_histogram_max>
				<row_remapper_histogram_high>0 bank(s)</row_remapper_histogram_high>
				<row_remapper_histogram_partial>0 bank(s)</row_remapper_histogram_partial>
				<row_remapper_histogram_low>0 bank(s)</row_remapper_histogram_low>
				<row_remapper_histogram_none>0 bank(s)</row_remapper_histogram_none>
			</row_remapper_histogram>
		</remapped_rows>
		<temperature>
			<gpu_temp>${s.tempC} C</gpu_temp>
			<gpu_temp_tlimit>${SLOWDOWN_TEMP_C - s.tempC} C</gpu_temp_tlimit>
			<gpu_temp_max_tlimit_threshold>-8 C</gpu_temp_max_tlimit_threshold>
			<gpu_temp_slow_tlimit_threshold>-2 C</gpu_temp_slow_tlimit_threshold>
			<gpu_temp_max_gpu_tlimit_threshold>0 C</gpu_temp_max_gpu_tlimit_threshold>
			<gpu_target_temperature>N/A</gpu_target_temperature>
			<memory_temp>${s.memTempC === null ? 'N/A' : `${s.memTempC} C`}</memory_temp>
			<gpu_temp_max_mem_tlimit_threshold>0 C</gpu_temp_max_mem_tlimit_threshold>
		</temperature>
		<supported_gpu_target_temp>
			<gpu_target_temp_min>N/A</gpu_target_temp_min>
			<gpu_target_temp_max>N/A</gpu_target_temp_max>
		</supported_gpu_target_temp>
		<gpu_power_readings>
			<power_state>${s.pstate}</power_state>
			<average_power_draw>${watts(s.avgPowerW)}</average_power_draw>
			<instant_power_draw>${watts(s.powerW)}</instant_power_draw>
			<current_power_limit>${watts(f.tdpW)}</current_power_limit>
			<requested_power_limit>${watts(f.tdpW)}</requested_power_limit>
			<default_power_limit>${watts(f.tdpW)}</default_power_limit>
			<min_power_limit>${watts(f.minPowerW)}</min_power_limit>
			<max_power_limit>${watts(f.tdpW)}</max_power_limit>
		</gpu_power_readings>
		<gpu_memory_power_readings>
			<average_power_draw>${f.hbm ? watts(s.avgPowerW * HBM_SHARE_OF_POWER) : 'N/A'}</average_power_draw>
			<instant_power_draw>N/A</instant_power_draw>
		</gpu_memory_power_readings>
		<module_power_readings>
			<power_state>${s.pstate}</power_state>
			<average_power_draw>N/A</average_power_draw>
			<instant_power_draw>N/A</instant_power_draw>
			<current_power_limit>N/A</current_power_limit>
			<requested_power_limit>N/A</requested_power_limit>
			<default_power_limit>N/A</default_power_limit>
			<min_power_limit>N/A</min_power_limit>
			<max_power_limit>N/A</max_power_limit>
		</module_power_readings>
		<power_smoothing>N/A</power_smoothing>
		<power_profiles>
			<power_profile_requested_profiles>N/A</power_profile_requested_profiles>
			<power_profile_enforced_profiles>N/A</power_profile_enforced_profiles>
		</power_profiles>
		<clocks>
			<graphics_clock>${mhz(s.graphicsClock)}</graphics_clock>
			<sm_clock>${mhz(s.graphicsClock)}</sm_clock>
			<mem_clock>${mhz(s.memClock)}</mem_clock>
			<video_clock>${mhz(s.videoClock)}</video_clock>
		</clocks>
		<applications_clocks>
			<graphics_clock>${mhz(f.clocks.maxGraphics)}</graphics_clock>
			<mem_clock>${mhz(memClock)}</mem_clock>
		</applications_clocks>
		<default_applications_clocks>
			<graphics_clock>${mhz(f.clocks.maxGraphics)}</graphics_clock>
			<mem_clock>${mhz(memClock)}</mem_clock>
		</default_applications_clocks>
		<deferred_clocks>
			<mem_clock>N/A</mem_clock>
		</deferred_clocks>
		<max_clocks>
			<graphics_clock>${mhz(f.clocks.maxGraphics)}</graphics_clock>
			<sm_clock>${mhz(f.clocks.maxGraphics)}</sm_clock>
			<mem_clock>${mhz(memClock)}</mem_clock>
			<video_clock>${mhz(f.clocks.maxVideo)}</video_clock>
		</max_clocks>
		<max_customer_boost_clocks>
			<graphics_clock>${mhz(f.clocks.maxGraphics)}</graphics_clock>
		</max_customer_boost_clocks>
		<clock_policy>
			<auto_boost>N/A</auto_boost>
			<auto_boost_default>N/A</auto_boost_default>
		</clock_policy>
		<fabric>
			<state>N/A</state>
			<status>N/A</status>
			<cliqueId>N/A</cliqueId>
			<clusterUuid>N/A</clusterUuid>
			<health>
				<summary>N/A</summary>
				<bandwidth>N/A</bandwidth>
				<route_recovery_in_progress>N/A</route_recovery_in_progress>
				<route_unhealthy>N/A</route_unhealthy>
				<access_timeout_recovery>N/A</access_timeout_recovery>
				<incorrect_configuration>N/A</incorrect_configuration>
				<partition_assigned>N/A</partition_assigned>
			</health>
		</fabric>
${supportedClocks(f)}		<processes>
${s.processes.map((p) => processInfo(p.pid, p.name, p.memMiB)).join('')}		</processes>
		<accounted_processes>
		</accounted_processes>
		<capabilities>
			<egm>disabled</egm>
		</capabilities>
	</gpu>

`
}

/** Every graphics clock from the top down in 15 MHz steps, for each memory clock, as the driver lists them. */
function supportedClocks(f: GpuModelFacts): string {
  let out = '\t\t<supported_clocks>\n'
  for (const mem of f.clocks.mem) {
    out += `\t\t\t<supported_mem_clock>\n\t\t\t\t<value>${mem} MHz</value>\n`
    for (let clock = f.clocks.maxGraphics; clock >= f.clocks.minGraphics; clock -= 15) {
      out += `\t\t\t\t<supported_graphics_clock>${clock} MHz</supported_graphics_clock>\n`
    }
    out += '\t\t\t</supported_mem_clock>\n'
  }
  return out + '\t\t</supported_clocks>\n'
}

function processInfo(pid: number, name: string, memMiB: number): string {
  return `\t\t\t<process_info>
\t\t\t\t<gpu_instance_id>N/A</gpu_instance_id>
\t\t\t\t<compute_instance_id>N/A</compute_instance_id>
\t\t\t\t<pid>${pid}</pid>
\t\t\t\t<type>C</type>
\t\t\t\t<process_name>${name}</process_name>
\t\t\t\t<used_memory>${memMiB} MiB</used_memory>
\t\t\t</process_info>
`
}

/** `00000000:18:00.0` → bus `18`, device `00`, and the board id the driver derives from them. */
function pciParts(busId: string): {bus: string; device: string; boardId: string} {
  const [, bus = '00', device = '00'] = /^[0-9A-Fa-f]+:([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})/.exec(busId) ?? []
  return {bus, device, boardId: `0x${(Number.parseInt(bus, 16) * 256 + Number.parseInt(device, 16)).toString(16)}`}
}
