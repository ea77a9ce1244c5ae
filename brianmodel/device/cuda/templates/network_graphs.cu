{# brianmodel's CUDA device, device 'cuda-graphs': brian2cuda 1.0b1's network.cu whose time step is a CUDA graph.

   brian2cuda's loop calls every code object of the step's clocks from the host. Here, after the clocks and the
   eventspace rings are copied to the GPU once (brianlib/brianmodel_graph.h), the step's code objects run as a
   whole through brianmodel_graph::run_step: the first step of each set of due clocks runs them (their set-up),
   the second is captured as a graph, every later one is one graph launch. The host still ticks its clocks and
   advances its current slots (its loop and the after-run code read them); the GPU does the same in the step's
   last kernel. Progress is reported once per step, outside the captured code. #}
{% import 'brian2cuda/network.cu' as theirs %}
{% macro cu_file() %}

#include "brianlib/cuda_utils.h"
#include "objects.h"
#include "network.h"
#include "brianlib/brianmodel_graph.h"
// {{ own_template_mark }} network (cuda-graphs)
#include <stdlib.h>
#include <iostream>
#include <chrono>
#include <ctime>
#include <utility>
#include <stdio.h>
#include <assert.h>

#define Clock_epsilon 1e-14

double Network::_last_run_time = 0.0;
double Network::_last_run_completed_fraction = 0.0;
bool Network::_globally_stopped = false;
bool Network::_globally_running = false;

Network::Network()
{
    t = 0.0;
}

void Network::clear()
{
    objects.clear();
}

void Network::add(BaseClock* clock, codeobj_func func)
{
#if defined(_MSC_VER) && (_MSC_VER>=1700)
    objects.push_back(std::make_pair(std::move(clock), std::move(func)));
#else
    objects.push_back(std::make_pair(clock, func));
#endif
}

void Network::run(const double duration, void (*report_func)(const double, const double, const double, const double), const double report_period)
{
    std::chrono::time_point<std::chrono::high_resolution_clock> start, current;
    const double t_start = t;
    const double t_end = t + duration;
    double next_report_time = report_period;
    // compute the set of clocks
    compute_clocks();
    // set interval for all clocks

    for(std::set<BaseClock*>::iterator i=clocks.begin(); i!=clocks.end(); i++)
        (*i)->set_interval(t, t_end);

    // what changes from step to step, on the GPU: the clocks' t and timestep, the rings' current slots
    {% for clock_name, t_name, timestep_name in graph_clocks %}
    brianmodel_graph::add_clock(&brian::{{clock_name}}, brian::dev{{t_name}}, brian::dev{{timestep_name}}, brian::{{clock_name}}.dt[0]);
    {% endfor %}
    {% for var, varname in eventspace_arrays | dictsort(by='value') %}
    brianmodel_graph::add_ring(&brian::dev{{varname}}, brian::current_idx{{varname}}, brian::_num_{{varname}} - 1);
    {% endfor %}
    brianmodel_graph::begin_run();

    start = std::chrono::high_resolution_clock::now();
    if (report_func)
    {
        report_func(0.0, 0.0, t_start, duration);
    }

    BaseClock* clock = next_clocks();
    double elapsed_realtime;
    bool did_break_early = false;

    Network::_globally_running = true;
    Network::_globally_stopped = false;
    while(clock && clock->running() && !Network::_globally_stopped)
    {
        t = clock->t[0];

        if (report_func)
        {
            current = std::chrono::high_resolution_clock::now();
            const double elapsed = std::chrono::duration<double>(current - start).count();
            if (elapsed > next_report_time)
            {
                report_func(elapsed, (clock->t[0]-t_start)/duration, t_start, duration);
                next_report_time += report_period;
            }
        }
        brianmodel_graph::run_step(curclocks, [&]()
        {
            for(int i=0; i<objects.size(); i++)
            {
                BaseClock *obj_clock = objects[i].first;
                // Only execute the object if it uses the right clock for this step
                if (curclocks.find(obj_clock) != curclocks.end())
                {
                    codeobj_func func = objects[i].second;
                    if (func)  // code objects can be NULL in cases where we store just the clock
                    {
                        func();
                    }
                }
            }
        });
        for(std::set<BaseClock*>::iterator i=curclocks.begin(); i!=curclocks.end(); i++)
            (*i)->tick();
        clock = next_clocks();

        // Advance index for circular eventspace vector (for no_or_const_delay_mode)
        {% for var, varname in eventspace_arrays | dictsort(by='value') %}
        {% if varname in spikegenerator_eventspaces %}
        brian::previous_idx{{varname}} = brian::current_idx{{varname}};
        {% endif %}
        brian::current_idx{{varname}} = (brian::current_idx{{varname}} + 1) % brian::dev{{varname}}.size();
        {% endfor %}

        {% if maximum_run_time is not none %}
        current = std::chrono::high_resolution_clock::now();
        elapsed_realtime = std::chrono::duration<double>(current - start).count();
        
        if(elapsed_realtime>{{maximum_run_time}})
        {
            did_break_early = true;
            break;
        }
        {% endif %}

    }
    Network::_globally_running = false;

    current = std::chrono::high_resolution_clock::now();
    elapsed_realtime = std::chrono::duration<double>(current - start).count();    

    if(!did_break_early && !Network::_globally_stopped)
        t = t_end;
    else
        t = clock->t[0];

    _last_run_time = elapsed_realtime;
    if(duration>0)
    {
        _last_run_completed_fraction = (t-t_start)/duration;
    } else {
        _last_run_completed_fraction = 1.0;
    }
    if (report_func)
    {
        report_func(elapsed_realtime, _last_run_completed_fraction, t_start, duration);
    }
}

void Network::compute_clocks()
{
    clocks.clear();
    for(int i=0; i<objects.size(); i++)
    {
        BaseClock *clock = objects[i].first;
        clocks.insert(clock);
    }
}

BaseClock* Network::next_clocks()
{
    // find minclock, clock with smallest t value
    BaseClock *minclock = *clocks.begin();
    if (!minclock) // empty list of clocks
        return NULL;

    for(std::set<BaseClock*>::iterator i=clocks.begin(); i!=clocks.end(); i++)
    {
        BaseClock *clock = *i;
        if(clock->t[0]<minclock->t[0])
            minclock = clock;
    }
    // find set of equal clocks
    curclocks.clear();

    double t = minclock->t[0];
    for(std::set<BaseClock*>::iterator i=clocks.begin(); i!=clocks.end(); i++)
    {
        BaseClock *clock = *i;
        double s = clock->t[0];
        if(s==t || fabs(s-t)<=Clock_epsilon)
            curclocks.insert(clock);
    }
    return minclock;
}

{% endmacro %}

{% macro h_file() %}
{{ theirs.h_file() }}
{% endmacro %}
